# lxc/incus doc/explanation/bpf-tokens.md (commit be7afc5df39f), section "Example": the
# table's four keys and values, as `incus config set` lines for an instance c1.
$ incus config set c1 security.bpffs.delegate_cmds=map_create,obj_get,link_create
$ incus config set c1 security.bpffs.delegate_maps=hash,array,devmap,queue,stack
$ incus config set c1 security.bpffs.delegate_progs=socket_filter,kprobe,cgroup_sysctl
$ incus config set c1 security.bpffs.delegate_attachs=any
