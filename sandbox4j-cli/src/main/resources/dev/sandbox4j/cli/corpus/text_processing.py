# String processing: word frequencies with collections and re
import collections
import re

text = """It was the best of times, it was the worst of times, it was the age of wisdom,
it was the age of foolishness, it was the epoch of belief, it was the epoch of incredulity"""
words = re.findall(r"[a-z]+", text.lower())
for word, count in collections.Counter(words).most_common(5):
    print(f"{word:8} {count}")
