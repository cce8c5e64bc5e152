# SPDX-License-Identifier: MIT
# run-result.sh — sourced by tools/run-qemu and tools/run-bochs: turn the QEMU-style status of a run (hvmm's
# debug-exit value V gives (V << 1) | 1; 0 = stopped without one) into the exit status documented in
# docs/serial-log.md "Exit status", and print both on stderr as "$prog: qemu exit status N ...; exit status M".
# result ST: print the line and return M.
result() {
	local st=$1 what code
	case $st in
	33) code=0 what="every guest exited with status 0" ;;
	39) code=1 what="some guest exited with a non-zero status" ;;
	41) code=3 what="some guest was killed or some module rejected" ;;
	35) code=4 what="hvmm could not start" ;;
	37) code=4 what="hvmm panicked" ;;
	0) code=5 what="QEMU stopped without an hvmm status (no exit_port=)" ;;
	*)
		code=6
		if ((st & 1)); then what="unknown isa-debug-exit value $((st >> 1))"; else what="QEMU failed"; fi
		;;
	esac
	if ((st & 1)); then
		echo "$prog: qemu exit status $st (isa-debug-exit value 0x$(printf %x $((st >> 1)))): $what; exit status $code" >&2
	else
		echo "$prog: qemu exit status $st: $what; exit status $code" >&2
	fi
	return $code
}
