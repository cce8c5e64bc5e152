# SPDX-License-Identifier: MIT
# modargs.sh — sourced by tools/mkiso and tools/run-qemu: reading a guest's module arguments as hvmm does
# (docs/cmdline.md "Guests").

# 0 if the module arguments $1 name the guest: a name= word before the first "--" (after it the words are the guest's
# own, docs/cmdline.md).
has_name() {
	local w words
	read -r -a words <<<"$1" || true
	for w in ${words[@]+"${words[@]}"}; do
		[[ $w != -- ]] || return 1
		[[ $w != name=* ]] || return 0
	done
	return 1
}
