# lxc/incus test/suites/container_bpf_tokens.sh (commit be7afc5df39f): the seven
# bpf_token_test calls of test_container_bpf_token, each call's five `incus config set`
# lines with the shell variables replaced by the call's arguments, then its start.
# all delegates configured
incus config set foo security.bpffs.path=""
incus config set foo security.bpffs.delegate_cmds="map_create,prog_attach"
incus config set foo security.bpffs.delegate_maps="hash,array"
incus config set foo security.bpffs.delegate_progs="socket_filter,xdp,kprobe"
incus config set foo security.bpffs.delegate_attachs="cgroup_inet_ingress,sk_skb_stream_parser"
incus start foo
incus stop foo
# all delegates configured to any
incus config set foo security.bpffs.path=""
incus config set foo security.bpffs.delegate_cmds="any"
incus config set foo security.bpffs.delegate_maps="any"
incus config set foo security.bpffs.delegate_progs="any"
incus config set foo security.bpffs.delegate_attachs="any"
incus start foo
incus stop foo
# only delegate map
incus config set foo security.bpffs.path=""
incus config set foo security.bpffs.delegate_cmds="map_create"
incus config set foo security.bpffs.delegate_maps=""
incus config set foo security.bpffs.delegate_progs=""
incus config set foo security.bpffs.delegate_attachs=""
incus start foo
incus stop foo
# only delegate cmd
incus config set foo security.bpffs.path=""
incus config set foo security.bpffs.delegate_cmds=""
incus config set foo security.bpffs.delegate_maps="hash"
incus config set foo security.bpffs.delegate_progs=""
incus config set foo security.bpffs.delegate_attachs=""
incus start foo
incus stop foo
# only delegate prog
incus config set foo security.bpffs.path=""
incus config set foo security.bpffs.delegate_cmds=""
incus config set foo security.bpffs.delegate_maps=""
incus config set foo security.bpffs.delegate_progs="socket_filter"
incus config set foo security.bpffs.delegate_attachs=""
incus start foo
incus stop foo
# only delegate attach
incus config set foo security.bpffs.path=""
incus config set foo security.bpffs.delegate_cmds=""
incus config set foo security.bpffs.delegate_maps=""
incus config set foo security.bpffs.delegate_progs=""
incus config set foo security.bpffs.delegate_attachs="cgroup_inet_ingress"
incus start foo
incus stop foo
# custom mount path
incus config set foo security.bpffs.path="/mnt"
incus config set foo security.bpffs.delegate_cmds="map_create"
incus config set foo security.bpffs.delegate_maps=""
incus config set foo security.bpffs.delegate_progs=""
incus config set foo security.bpffs.delegate_attachs=""
incus start foo
incus stop foo
