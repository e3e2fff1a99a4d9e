// String processing in JavaScript: word frequencies, title case, a template
const text = `It was the best of times, it was the worst of times, it was the age of wisdom,
it was the age of foolishness, it was the epoch of belief, it was the epoch of incredulity`;
const counts = new Map();
for (const w of text.toLowerCase().match(/[a-z]+/g)) counts.set(w, (counts.get(w) || 0) + 1);
const top = [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, 5);
for (const [w, c] of top) console.log(`${w.padEnd(8)} ${c}`);
const title = text.split("\n")[0].replace(/\b\w/g, (c) => c.toUpperCase());
console.log(title.slice(0, 40));
console.log(JSON.stringify({ words: counts.size, top: top.map(([w]) => w) }));
