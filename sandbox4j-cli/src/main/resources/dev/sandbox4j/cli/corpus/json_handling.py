# JSON in, JSON out: parse, transform, pretty-print
import json

raw = '{"users": [{"name": "Ada", "age": 36, "tags": ["math"]}, {"name": "Linus", "age": 28, "tags": []}, {"name": "Grace", "age": 45, "tags": ["navy", "cobol"]}]}'
data = json.loads(raw)
older = sorted((u for u in data["users"] if u["age"] > 30), key=lambda u: -u["age"])
out = {"count": len(older), "names": [u["name"] for u in older], "tags": sorted({t for u in older for t in u["tags"]})}
print(json.dumps(out, indent=2, sort_keys=True))
