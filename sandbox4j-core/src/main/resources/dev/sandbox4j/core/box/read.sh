# Reads a regular file: $1 the path, $2 the limit, $3 the limit plus one, $4 the work directory.
# Exit 3: no such file; exit 4: stat says it is larger than the limit (its size on stderr), nothing is sent;
# exit 5: it resolves outside the work directory and /tmp. Where there is no stat, head sends one byte past the limit,
# which tells the caller the file is too large. Needs file-checks.sh in front.
h=$4
r=$(realpath -e -- "$1" 2>/dev/null) || { echo 'no such file' >&2; exit 3; }
inside "$r" || refuse "$r"
[ -f "$r" ] || { echo 'no such file' >&2; exit 3; }
[ -r "$r" ] || { echo "cannot read $1" >&2; exit 1; }
exec 3< "$r"
o=$(readlink -- "/proc/$$/fd/3") || { echo 'cannot check the opened file' >&2; exit 1; }
inside "$o" || refuse "$o"
s=$(stat -L -c %s -- "/proc/$$/fd/3" 2>/dev/null) && [ "$s" -gt "$2" ] 2>/dev/null && { echo "size $s" >&2; exit 4; }
exec head -c "$3" <&3
