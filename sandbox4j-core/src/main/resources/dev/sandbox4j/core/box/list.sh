# Lists a directory: $1 the directory, $2 the work directory. One entry per NUL-terminated record of tab-separated
# fields: type (f file, d directory, l symbolic link, o other), size in bytes, modification time in seconds since the
# epoch, name, and for a link where it points. The directory is entered without following a link
# (cd -P, then its real path must lie under the work directory or /tmp); links inside are reported, never followed.
# Exit 2: no such directory; exit 3: not a directory; exit 4: it resolves outside (where, on stderr).
if [ -d "$1" ] && [ ! -L "$1" ]; then
  cd -P -- "$1" || exit 1
  r=$(pwd -P)
  case "$r" in "$2"|"$2"/*|/tmp|/tmp/*) ;; *) echo "resolves to $r" >&2; exit 4;; esac
  exec find . -mindepth 1 -maxdepth 1 -printf '%y\t%s\t%T@\t%f\t%l\0'
elif [ -e "$1" ] || [ -L "$1" ]; then
  echo 'not a directory' >&2; exit 3
else
  echo 'no such directory' >&2; exit 2
fi
