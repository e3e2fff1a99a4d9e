// sandbox4j web console: plain JavaScript, no build step. Everything the sandbox returns is untrusted and is only ever
// inserted as text (textContent) or as a data: image; never as HTML.
'use strict';

const SAMPLES = {
  python: "import matplotlib.pyplot as plt\nxs = list(range(10))\nprint('squares:', [x * x for x in xs])\nplt.plot(xs, [x * x for x in xs])\nplt.title('squares')\nplt.show()\n",
  javascript: "const xs = [...Array(10).keys()];\nconsole.log('squares:', xs.map(x => x * x).join(' '));\n",
  java: "public class Main {\n    public static void main(String[] args) {\n        System.out.println(\"hello from Java \" + Runtime.version());\n    }\n}\n",
  cpp: "#include <iostream>\nint main() {\n    std::cout << \"hello from C++\" << std::endl;\n}\n",
  go: "package main\n\nimport \"fmt\"\n\nfunc main() {\n\tfmt.Println(\"hello from Go\")\n}\n",
  r: "xs <- 1:10\nprint(xs^2)\nplot(xs, xs^2, type = 'l')\n",
  ruby: "xs = (1..10).to_a\nputs \"squares: #{xs.map { |x| x * x }.join(' ')}\"\n",
};

const $ = (id) => document.getElementById(id);
let languages = [];
let running = null; // AbortController of the run in progress

function headers(extra) {
  const h = Object.assign({}, extra || {});
  const key = $('api-key').value.trim();
  if (key) h['Authorization'] = 'Bearer ' + key;
  return h;
}

async function api(method, path, body) {
  const opts = { method, headers: headers(body === undefined ? {} : { 'Content-Type': 'application/json' }) };
  if (body !== undefined) opts.body = JSON.stringify(body);
  const res = await fetch(path, opts);
  if (res.status === 204) return null;
  const text = await res.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch (e) { data = { detail: text }; }
  if (!res.ok) throw problemError(res.status, data);
  return data;
}

function problemError(status, p) {
  const e = new Error((p && (p.title || 'HTTP ' + status)) + (p && p.detail ? ': ' + p.detail : ''));
  e.status = status;
  return e;
}

function setStatus(text, kind) {
  const s = $('status');
  s.textContent = text;
  s.className = 'status' + (kind ? ' ' + kind : '');
}

function clearOutput() {
  for (const id of ['stdout', 'stderr', 'value', 'violations', 'artifacts']) $(id).textContent = '';
}

async function loadLanguages() {
  try {
    const data = await api('GET', '/v1/languages');
    languages = data.languages;
    const sel = $('language');
    const current = sel.value || localStorage.getItem('sandbox4j.language') || 'python';
    sel.textContent = '';
    for (const l of languages) {
      const o = document.createElement('option');
      o.value = l.id;
      o.textContent = l.id + (l.available ? '' : ' (image missing)');
      sel.appendChild(o);
    }
    if (languages.some(l => l.id === current)) sel.value = current;
    if (!$('code').value) $('code').value = SAMPLES[sel.value] || '';
    setStatus('Ready.', '');
  } catch (e) {
    setStatus(e.message, 'bad');
  }
}

function onLanguageChange() {
  const lang = $('language').value;
  localStorage.setItem('sandbox4j.language', lang);
  const code = $('code').value;
  if (!code.trim() || Object.values(SAMPLES).includes(code)) $('code').value = SAMPLES[lang] || '';
}

async function run() {
  if (running) { running.abort(); return; }
  clearOutput();
  const target = $('target').value;
  const body = { code: $('code').value };
  const timeout = parseInt($('timeout').value, 10);
  if (timeout > 0) body.timeout_ms = timeout;
  if (!target) body.language = $('language').value;
  const path = target ? '/v1/sessions/' + encodeURIComponent(target) + '/execute' : '/v1/execute';
  running = new AbortController();
  $('run').textContent = 'Stop';
  setStatus('Running…', 'running');
  try {
    const res = await fetch(path, {
      method: 'POST', signal: running.signal,
      headers: headers({ 'Content-Type': 'application/json', 'Accept': 'text/event-stream' }),
      body: JSON.stringify(body),
    });
    const type = res.headers.get('Content-Type') || '';
    if (!res.ok || !type.startsWith('text/event-stream')) {
      const text = await res.text();
      let p = null;
      try { p = JSON.parse(text); } catch (e) { p = { detail: text }; }
      throw problemError(res.status, p);
    }
    await readEvents(res.body, onEvent);
  } catch (e) {
    if (e.name === 'AbortError') setStatus('Stopped (the run was cancelled).', 'bad');
    else setStatus(e.message, 'bad');
  } finally {
    running = null;
    $('run').textContent = 'Run';
    if (target) loadSessions();
  }
}

async function readEvents(stream, handler) {
  const reader = stream.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let i;
    while ((i = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, i);
      buffer = buffer.slice(i + 2);
      let name = 'message';
      const data = [];
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) continue;
        if (line.startsWith('event:')) name = line.slice(6).trim();
        else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
      }
      if (data.length) handler(name, JSON.parse(data.join('\n')));
    }
  }
}

function onEvent(name, data) {
  if (name === 'stdout') $('stdout').textContent += data.text;
  else if (name === 'stderr') $('stderr').textContent += data.text;
  else if (name === 'result') showResult(data);
  else if (name === 'error') setStatus(data.title + ': ' + data.detail, 'bad');
}

function showResult(r) {
  $('stdout').textContent = r.stdout + (r.stdout_truncated ? '\n[output truncated]' : '');
  $('stderr').textContent = r.stderr + (r.stderr_truncated ? '\n[output truncated]' : '');
  let text = r.status + ' · exit ' + r.exit_code + ' · ' + r.duration_ms + ' ms';
  if (r.kill_reason) text += ' · ' + r.kill_reason;
  setStatus(text, r.status === 'ok' ? 'ok' : 'bad');
  if (r.cell && r.cell.value && r.cell.value['text/plain']) {
    const pre = document.createElement('pre');
    pre.textContent = 'Out[' + r.cell.execution_count + ']: ' + r.cell.value['text/plain'];
    $('value').appendChild(pre);
  }
  if (r.cell && r.cell.error) {
    const pre = document.createElement('pre');
    pre.className = 'violation';
    pre.textContent = r.cell.error.name + ': ' + r.cell.error.value;
    $('value').appendChild(pre);
  }
  for (const v of r.violations || []) {
    const p = document.createElement('div');
    p.className = 'violation';
    p.textContent = v.line + ':' + v.column + ' ' + v.severity + ' ' + v.rule + ' - ' + v.description;
    $('violations').appendChild(p);
  }
  for (const a of r.artifacts || []) {
    const box = document.createElement('div');
    const label = document.createElement('div');
    label.className = 'hint';
    label.textContent = a.name + ' (' + a.mime_type + ', ' + a.size + ' bytes)';
    box.appendChild(label);
    if (/^image\/(png|jpeg|gif|webp)$/.test(a.mime_type)) {
      const img = document.createElement('img');
      img.alt = a.name;
      img.src = 'data:' + a.mime_type + ';base64,' + a.content_base64;
      box.appendChild(img);
    } else {
      const link = document.createElement('a');
      link.textContent = 'download';
      link.download = a.name.split('/').pop();
      link.href = 'data:application/octet-stream;base64,' + a.content_base64;
      box.appendChild(link);
    }
    $('artifacts').appendChild(box);
  }
}

async function loadSessions() {
  try {
    const data = await api('GET', '/v1/sessions');
    const body = $('sessions');
    const target = $('target');
    const selected = target.value;
    body.textContent = '';
    while (target.options.length > 1) target.remove(1);
    for (const s of data.sessions) {
      const tr = document.createElement('tr');
      tr.dataset.session = s.session_id;
      const cells = [s.session_id, s.language, s.stateful ? 'stateful' : 'stateless', s.last_used_at];
      cells.forEach((c, i) => {
        const td = document.createElement('td');
        if (i === 0) { const code = document.createElement('code'); code.textContent = c; td.appendChild(code); }
        else td.textContent = c;
        tr.appendChild(td);
      });
      const td = document.createElement('td');
      const close = document.createElement('button');
      close.type = 'button';
      close.className = 'close-session';
      close.textContent = 'Close';
      close.addEventListener('click', () => closeSession(s.session_id));
      td.appendChild(close);
      tr.appendChild(td);
      body.appendChild(tr);
      const o = document.createElement('option');
      o.value = s.session_id;
      o.textContent = 'session ' + s.session_id.slice(0, 8) + ' (' + s.language + (s.stateful ? ', stateful' : '') + ')';
      target.appendChild(o);
    }
    if ([...target.options].some(o => o.value === selected)) target.value = selected;
    $('sessions-empty').hidden = data.sessions.length > 0;
  } catch (e) {
    setStatus(e.message, 'bad');
  }
}

async function newSession() {
  setStatus('Opening a session…', 'running');
  try {
    const s = await api('POST', '/v1/sessions', { language: $('language').value, stateful: $('stateful').checked });
    await loadSessions();
    $('target').value = s.session_id;
    setStatus('Session ' + s.session_id + ' opened.', 'ok');
  } catch (e) {
    setStatus(e.message, 'bad');
  }
}

async function closeSession(id) {
  try {
    await api('DELETE', '/v1/sessions/' + encodeURIComponent(id));
    setStatus('Session ' + id + ' closed.', 'ok');
  } catch (e) {
    setStatus(e.message, 'bad');
  }
  await loadSessions();
}

document.addEventListener('DOMContentLoaded', () => {
  $('api-key').value = localStorage.getItem('sandbox4j.apiKey') || '';
  $('api-key').addEventListener('change', () => {
    localStorage.setItem('sandbox4j.apiKey', $('api-key').value.trim());
    loadLanguages();
    loadSessions();
  });
  $('language').addEventListener('change', onLanguageChange);
  $('run').addEventListener('click', run);
  $('new-session').addEventListener('click', newSession);
  $('refresh').addEventListener('click', loadSessions);
  $('code').addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) { e.preventDefault(); run(); }
  });
  loadLanguages();
  loadSessions();
});
