#!/bin/sh
# How mountinfo-6.18.44 and mounts-6.18.44 were made (as root, on Linux 6.18.44):
# four bpffs mounts, one with a blank in its mount point, then the two views copied.
# Lines of the test machine's own sandbox mounts and of concurrent test mounts were left out.
set -e
mkdir -p /tmp/dlg/token /tmp/dlg/any "/tmp/dlg/my token" /tmp/dlg/plain
mount -t bpf -o delegate_cmds=prog_load:MAP_CREATE:btf_load,delegate_maps=array:hash,delegate_progs=kprobe:xdp,delegate_attachs=xdp,uid=1000,gid=1000,mode=0700 bpffs /tmp/dlg/token
mount -t bpf -o delegate_cmds=any,delegate_maps=any,delegate_progs=any,delegate_attachs=any bpffs /tmp/dlg/any
mount -t bpf -o delegate_progs=socket_filter,delegate_cmds=0x1 bpffs "/tmp/dlg/my token"
mount -t bpf -o nodev bpffs /tmp/dlg/plain
grep -v -e sandboxing -e delegopts-trial /proc/self/mountinfo > mountinfo-6.18.44
grep -v -e sandboxing -e delegopts-trial /proc/self/mounts > mounts-6.18.44
umount /tmp/dlg/token /tmp/dlg/any "/tmp/dlg/my token" /tmp/dlg/plain
