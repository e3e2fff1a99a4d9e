# Lists a directory: $1 the directory, $2 the work directory. Five NUL-terminated fields per entry (no name can hold a
# NUL): type (f file, d directory, l symbolic link, other letters: other), size in bytes, modification time in seconds
# since the epoch, name, and for a link where it points (else empty). The directory is entered without following a link
# (cd -P, then its real path must lie under the work directory or /tmp); links inside are reported, never followed.
# Exit 2: no such directory; exit 3: not a directory; exit 4: it resolves outside (where, on stderr).
if [ -d "$1" ] && [ ! -L "$1" ]; then
  cd -P -- "$1" || exit 1
  r=$(pwd -P)
  case "$r" in "$2"|"$2"/*|/tmp|/tmp/*) ;; *) echo "resolves to $r" >&2; exit 4;; esac
  exec find . -mindepth 1 -maxdepth 1 -printf '%y\0%s\0%T@\0%f\0%l\0'
elif [ -e "$1" ] || [ -L "$1" ]; then
  echo 'not a directory' >&2; exit 3
else
  echo 'no such directory' >&2; exit 2
fi
