# Writes stdin to a file: $1 the path, $2 the length, $3 the work directory. Before anything is created, the deepest
# existing ancestor must resolve inside; then the parent, a link at the target, and the opened file.
# Exit 5: it resolves outside (the resolved path on stderr). Needs file-checks.sh in front.
h=$3; p=${1%/*}; [ -n "$p" ] || p=/
a=$p; while [ ! -e "$a" ] && [ ! -L "$a" ]; do a=${a%/*}; [ -n "$a" ] || a=/; done
r=$(realpath -e -- "$a" 2>/dev/null) || refuse "nowhere (a dangling link: $a)"
inside "$r" || refuse "$r"
mkdir -p -- "$p" || exit 1
r=$(realpath -e -- "$p" 2>/dev/null) || refuse "nowhere ($p)"
inside "$r" || refuse "$r"
t=$r/${1##*/}
if [ -L "$t" ]; then r=$(realpath -m -- "$t" 2>/dev/null) || refuse "nowhere ($t)"; inside "$r" || refuse "$r"; t=$r; fi
[ ! -d "$t" ] || { echo "$1 is a directory" >&2; exit 1; }
true >> "$t" || exit 1
exec 3>> "$t"
o=$(readlink -- "/proc/$$/fd/3") || { echo 'cannot check the opened file' >&2; exit 1; }
inside "$o" || refuse "$o"
exec head -c "$2" > "/proc/$$/fd/3"
