# Sends signal $1 (INT, STOP, CONT) to process $2.
kill -"$1" "$2"
