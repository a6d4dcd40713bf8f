#!/bin/sh
# Make a copy of the node_exporter fixture tree with its symlinks restored.
#
# The shared fixture tree was unpacked from node_exporter's sys.ttar with every symlink
# turned into a small regular file holding the link's target ("../../devices/..."). Code
# that follows /sys/class/* links (hwmon, thermal_zone) cannot run on that, while
# node_exporter's e2e-output.txt was made with real links. This copies the tree to DEST
# (default build/fixture) and turns each such file back into a symlink, so that
#   ../shared/tools/expo-diff --run build/plumb build/fixture
# compares like with like. The source tree is not modified.
src=${1:-../shared/fixtures/node_exporter}
dest=${2:-build/fixture}
rm -rf "$dest"
mkdir -p "$(dirname "$dest")"
cp -a "$src" "$dest" || exit 1
chmod -R u+w "$dest"
find "$dest/sys" -type f -size -300c | while read -r f; do
	t=$(head -c 300 "$f")
	case "$t" in
	../*|/../*)
		# one line, no spaces: a link target, not an attribute value
		[ "$(printf '%s' "$t" | wc -l)" -eq 0 ] || continue
		case "$t" in *" "*) continue ;; esac
		rm -f "$f" && ln -s "${t#/}" "$f" ;;
	esac
done
echo "$dest"
