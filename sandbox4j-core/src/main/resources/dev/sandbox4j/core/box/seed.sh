# Copies a committed image's saved work directory ($1) into the fresh box's work directory ($2).
[ -d "$1" ] && cp -R -- "$1"/. "$2"/
