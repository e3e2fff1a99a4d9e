# Copies a file or directory out of the box as a tar stream: $1 the path, $2 the work directory. The first byte says
# what follows: D (a directory's entries) or F (one file). Exit 3: no such file; exit 4: a link, outside, or not a
# regular file or directory. Needs check-inside.sh in front.
[ -L "$1" ] && { echo "$1 is a symbolic link" >&2; exit 4; }
[ -e "$1" ] || { echo "no such file or directory: $1" >&2; exit 3; }
inside "$1"
if [ -d "$1" ]; then
  cd -- "$1" || exit 1; printf D
  find . -mindepth 1 -maxdepth 1 -printf '%P\0' | exec tar -c -f - --format=pax --null -T -
elif [ -f "$1" ]; then
  cd -- "${1%/*}/" || exit 1; printf F
  exec tar -c -f - --format=pax -- "${1##*/}"
else
  echo "$1 is not a regular file or directory" >&2; exit 4
fi
