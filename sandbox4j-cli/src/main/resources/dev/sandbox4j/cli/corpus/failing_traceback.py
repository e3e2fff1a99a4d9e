# A program that fails: the caller must get the traceback and exit code 1
def average(values):
    return sum(values) / len(values)

def report(groups):
    for name, values in groups.items():
        print(name, average(values))

report({"a": [1, 2, 3], "b": []})
