"""BTF snapshots of real kernels, shipped as package data (``delegopts.btfdata``)."""
