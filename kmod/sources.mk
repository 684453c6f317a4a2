# kmod/sources.mk - what lana.ko is made of, read by kmod/Kbuild (objects)
# and kmod/Makefile (which links the shared sources into the build
# directory). Paths are relative to the source tree's top, LANA_TOP.

# The kernel engine's own files (kmod/*.c).
LANA_KOWN := core engine ppe block_api genl host dev udp

# The code shared with the compiler and lanad, compiled unchanged; the
# C library names it uses are mapped onto the kernel by kmod/compat/.
# proto/attrs, proto/txn: the control protocol's table (proto/attrs.def)
# and what its transactions and SET mean, as lanad has them.
# plan/bpf_check: the classic BPF programs both engines run.
# engine/ is the transaction core both engines run (engine/README.md).
LANA_KSHARED := lib/util lib/udp_addr plan/codec plan/check plan/bpf_check plan/apply plan/diff \
		plan/ports plan/idpix plan/value_ops proto/attrs proto/txn \
		engine/inst engine/graph engine/notify engine/txn

# The block catalogue and every block type that runs in the kernel: the
# ALL and KERNEL lines of blocks/blocks.def.
LANA_KBLOCKS := blocks/catalogue $(addprefix blocks/,$(shell sed -n \
	's/^LANA_BLOCK(\([a-z0-9_]*\), *\(ALL\|KERNEL\))$$/\1/p' \
	$(LANA_TOP)/blocks/blocks.def))

# Directories whose sources, headers and X-macro lists (*.def) are linked
# into the build dir.
LANA_KDIRS := lib plan blocks proto engine
