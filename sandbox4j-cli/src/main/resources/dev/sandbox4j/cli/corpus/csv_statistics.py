# The standard library's csv and statistics modules on an in-memory table
import csv
import io
import statistics

text = "city,temp\nOslo,3.5\nRome,18.25\nCairo,27.0\nLima,19.5\nOslo,4.5\nRome,17.75\n"
rows = list(csv.DictReader(io.StringIO(text)))
by_city = {}
for row in rows:
    by_city.setdefault(row["city"], []).append(float(row["temp"]))
for city in sorted(by_city):
    print(f"{city:6} mean {statistics.mean(by_city[city]):6.2f}")
print("median of all:", statistics.median(float(r["temp"]) for r in rows))
