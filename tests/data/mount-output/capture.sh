#!/bin/sh
# How the listings in this folder were made (as root, Linux 6.18.44, util-linux 2.38.1):
# in a private mount namespace, the bpffs mounts Incus's documented example and
# LXD's documented example would make, plus one with a blank in its mount point, then
# what mount(8) and findmnt(8) print about them (the tree and -J under a tmpfs).
set -e
cd "$(dirname "$0")"
exec unshare --mount --propagation private sh -c '
set -e
base=/tmp/dlg-listing
mkdir -p $base
mount -t tmpfs tmpfs $base
mkdir -p $base/incus $base/lxd "$base/my token"
mount -t bpf -o delegate_cmds=map_create:obj_get:link_create,delegate_maps=hash:array:devmap:queue:stack,delegate_progs=socket_filter:kprobe:cgroup_sysctl,delegate_attachs=any none $base/incus
mount -t bpf -o uid=1000000,gid=1000000,delegate_cmds=prog_load:map_create,delegate_maps=ringbuf,delegate_progs=socket_filter,delegate_attachs=cgroup_inet_ingress none $base/lxd
mount -t bpf -o mode=0700,delegate_cmds=any bpffs "$base/my token"
mount -t bpf | grep dlg-listing > mount.txt
findmnt -R $base > findmnt.txt
findmnt -t bpf -l | grep -e TARGET -e dlg-listing > findmnt-list.txt
findmnt -t bpf --raw | grep -e TARGET -e dlg-listing > findmnt-raw.txt
findmnt -t bpf -P | grep dlg-listing > findmnt-pairs.txt
findmnt -J -R $base > findmnt.json
'
