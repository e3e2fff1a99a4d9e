# A program that reports failure through its exit code, after writing to both streams
import sys

print("checked 3 files")
print("1 file is invalid", file=sys.stderr)
sys.exit(3)
