# Starts one program: reads its files from stdin (each exactly SIZE bytes with head -c, because the stream may never
# reach end-of-file), then replaces itself with the program.
# $1 the run directory, $2 how many files follow, $3 the working directory (or empty), $4 the output directory to
# empty first (or empty), then NAME SIZE per file, then the stdin marker ("-": /dev/null, "=": keep this stdin, else
# the name of the file that is the program's stdin), then the program's argv.
d=$1; n=$2; w=$3; o=$4; shift 4
if [ "$n" -gt 0 ]; then
  for x in /tmp/.sandbox4j/*; do [ "$x" = "$d" ] || rm -rf "$x" 2>/dev/null; done
  mkdir -p "$d" || { echo "sandbox4j: cannot create $d in the box" >&2; exit 126; }
fi
while [ "$n" -gt 0 ]; do
  case "$1" in */*) mkdir -p "$d/${1%/*}" ;; esac
  head -c "$2" > "$d/$1" || { echo "sandbox4j: cannot write $1 into the box (is /tmp full?)" >&2; exit 126; }
  shift 2; n=$((n-1))
done
if [ -n "$o" ]; then
  rm -rf "$o" 2>/dev/null
  mkdir -p "$o" || { echo "sandbox4j: cannot create the output directory $o" >&2; exit 126; }
fi
if [ -n "$w" ]; then
  [ "$w" = "$d" ] && mkdir -p "$d"
  cd "$w" 2>/dev/null || { echo "sandbox4j: no such directory in the box: $w" >&2; exit 126; }
fi
s=$1; shift
if [ "$s" = - ]; then exec "$@" </dev/null; elif [ "$s" = = ]; then exec "$@"; else exec "$@" <"$d/$s"; fi
