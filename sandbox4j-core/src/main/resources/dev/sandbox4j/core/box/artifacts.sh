# The output directory's entries as a tar stream: $1 the directory (nothing if it is missing or a link).
[ -d "$1" ] && [ ! -L "$1" ] || exit 0
cd -- "$1" || exit 1
find . -mindepth 1 -maxdepth 1 -printf '%P\0' | exec tar -c -f - --format=pax --null -T -
