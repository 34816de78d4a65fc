// kelemetry's built-in viewer: plain JavaScript over the Jaeger query API of `kelemetry serve` (docs/serve.md).
// The page is one search form, a result list and a trace page; the address's hash (#trace=ID) keeps the open trace,
// so a reload or a shared link shows it again.
'use strict';

const $ = (id) => document.getElementById(id);

// ---- the API

async function api(path) {
  const response = await fetch(path);
  const body = await response.json();
  if (!response.ok) {
    // Jaeger's error shape: {errors: [{code, msg}]}
    const message = body.errors && body.errors.length ? body.errors[0].msg : response.statusText;
    throw new Error(message);
  }
  return body.data;
}

function status(text, isError) {
  $('status').textContent = text;
  $('status').className = isError ? 'error' : '';
}

// ---- the search form

async function fillModes() {
  const modes = await api('/api/services');
  for (const mode of modes) {
    $('mode').add(new Option(mode, mode));
  }
  // the mode that shows the most: the whole ownership tree, requests as marks on each object's row
  $('mode').value = modes.includes('tracing [full tree]') ? 'tracing [full tree]' : modes[0];
  await fillClusters();
}

async function fillClusters() {
  const clusters = await api('/api/services/' + encodeURIComponent($('mode').value) + '/operations');
  const select = $('cluster');
  const chosen = select.value;
  select.length = 1; // keep "all clusters"
  for (const cluster of clusters) {
    select.add(new Option(cluster, cluster));
  }
  select.value = clusters.includes(chosen) ? chosen : '';
}

function searchPath() {
  const tags = {};
  for (const key of ['resource', 'namespace', 'name']) {
    const value = $(key).value.trim();
    if (value) {
      tags[key] = value;
    }
  }
  const params = new URLSearchParams({ service: $('mode').value, tags: JSON.stringify(tags), limit: '20' });
  if ($('cluster').value) {
    params.set('operation', $('cluster').value);
  }
  if ($('range').value) {
    // the API takes microseconds since the epoch
    const endMicros = Date.now() * 1000;
    params.set('end', String(endMicros));
    params.set('start', String(endMicros - Number($('range').value) * 1e6));
  }
  return '/api/traces?' + params.toString();
}

async function search(event) {
  event.preventDefault();
  closeDetail();
  $('trace').hidden = true;
  status('searching...');
  try {
    const traces = await api(searchPath());
    showResults(traces);
    status(traces.length === 0 ? 'no trace found: check the resource (plural, e.g. deployments), the name, and the time'
      : traces.length + ' trace(s)');
  } catch (e) {
    $('results').hidden = true;
    status('search failed: ' + e.message, true);
  }
}

function showResults(traces) {
  const rows = $('result-rows');
  rows.replaceChildren();
  for (const raw of traces) {
    const trace = readTrace(raw);
    const tr = document.createElement('tr');
    tr.className = 'result';
    tr.dataset.traceId = trace.id;
    const range = trace.marks.length ? trace.activity : [trace.start, trace.end];
    cells(tr, [trace.roots.map((o) => o.name).join(', '), trace.searched ? trace.searched.name : '',
      String(trace.objects.length), String(trace.marks.length), formatTime(range[0]), formatTime(range[1])]);
    tr.addEventListener('click', () => openTrace(trace.id));
    rows.append(tr);
  }
  $('results').hidden = traces.length === 0;
}

function cells(tr, texts) {
  for (const text of texts) {
    const td = document.createElement('td');
    td.textContent = text;
    tr.append(td);
  }
}

// ---- a Jaeger trace as objects and marks

const HAPPENING_KINDS = new Set(['audit', 'event', 'state']);
const READ_VERBS = new Set(['get', 'list', 'watch']);

function keyValues(list) {
  const map = {};
  for (const kv of list || []) {
    map[kv.key] = kv.value;
  }
  return map;
}

/**
 * Whatever the display mode, the same picture: object spans (no kelemetry.kind tag) are the rows; a request, Event
 * or watched state is a mark, whether it came as a log of the object span (tracing), of its "requests" group span
 * (grouped) or as a child span (tree, timeline). Only a child span has a duration: the latency.
 */
function readTrace(raw) {
  const byId = new Map(raw.spans.map((s) => [s.spanID, s]));
  const objects = new Map();
  for (const span of raw.spans) {
    const tags = keyValues(span.tags);
    if (tags['kelemetry.kind'] === undefined) {
      objects.set(span.spanID, {
        id: span.spanID, name: span.operationName, tags, start: span.startTime, end: span.startTime + span.duration,
        parent: span.references.length ? span.references[0].spanID : null, children: [], marks: [],
        searched: tags['kelemetry.searched'] === true,
      });
    }
  }
  const ownerOf = (span) => {
    // a group span or a request span hangs under its object; climb until an object span
    let id = span.references.length ? span.references[0].spanID : null;
    while (id && !objects.has(id) && byId.has(id)) {
      const up = byId.get(id);
      id = up.references.length ? up.references[0].spanID : null;
    }
    return objects.get(id);
  };
  const marks = [];
  for (const span of raw.spans) {
    const tags = keyValues(span.tags);
    const object = objects.get(span.spanID) || ownerOf(span);
    if (!object) {
      continue;
    }
    if (HAPPENING_KINDS.has(tags['kelemetry.kind'])) {
      const fields = Object.assign({ event: span.operationName }, tags);
      for (const log of span.logs) {
        Object.assign(fields, keyValues(log.fields));
      }
      fields.event = span.operationName;
      marks.push(mark(object, span.startTime, fields, span.duration));
    } else {
      for (const log of span.logs) {
        marks.push(mark(object, log.timestamp, keyValues(log.fields), null));
      }
    }
  }
  marks.sort((a, b) => a.time - b.time);
  for (const object of objects.values()) {
    const parent = objects.get(object.parent);
    if (parent) {
      parent.children.push(object);
    }
  }
  const all = [...objects.values()];
  const roots = all.filter((o) => !objects.has(o.parent));
  const times = marks.map((m) => m.time);
  return {
    id: raw.traceID, objects: all, roots, marks, searched: all.find((o) => o.searched),
    start: Math.min(...all.map((o) => o.start)), end: Math.max(...all.map((o) => o.end)),
    activity: [Math.min(...times), Math.max(...times)],
  };
}

function mark(object, time, fields, durationMicros) {
  const kind = fields['kelemetry.kind'];
  let type = kind === 'event' ? 'event' : kind === 'state' ? 'state' : READ_VERBS.has(fields['k8s.audit.verb']) ? 'read' : 'write';
  if (fields.error === true) {
    type = 'error';
  }
  const m = { object, time, fields, durationMicros, type, name: fields.event };
  object.marks.push(m);
  return m;
}

// ---- the trace page

async function openTrace(id) {
  if (location.hash !== '#trace=' + id) {
    location.hash = 'trace=' + id; // hashchange comes back here
    return;
  }
  status('loading trace ' + id + '...');
  try {
    const data = await api('/api/traces/' + encodeURIComponent(id));
    showTrace(readTrace(data[0]));
    status('');
  } catch (e) {
    status('trace ' + id + ': ' + e.message, true);
  }
}

function showTrace(trace) {
  closeDetail();
  $('results').hidden = true;
  $('trace').hidden = false;
  const [t0, t1] = trace.marks.length ? trace.activity : [trace.start, trace.end];
  // a little room at both ends so that the first and last marks are not cut in half
  const pad = Math.max((t1 - t0) * 0.02, 1000);
  const from = t0 - pad;
  const span = t1 + pad - from;
  const x = (t) => (100 * (t - from) / span).toFixed(3) + '%';

  const head = $('trace-head');
  head.replaceChildren();
  const title = document.createElement('h1');
  title.textContent = trace.roots.map((o) => o.name).join(', ');
  const facts = document.createElement('p');
  facts.textContent = trace.objects.length + ' objects, ' + trace.marks.length + ' requests and Events, '
    + formatTime(t0) + ' to ' + formatTime(t1) + ' (' + formatDuration(t1 - t0) + ')   trace ' + trace.id;
  head.append(title, facts);

  const waterfall = $('waterfall');
  waterfall.replaceChildren(axis(from, span, x));
  const visit = (object, depth) => {
    waterfall.append(row(object, depth, x));
    object.children.sort((a, b) => a.name.localeCompare(b.name)).forEach((c) => visit(c, depth + 1));
  };
  trace.roots.sort((a, b) => a.name.localeCompare(b.name)).forEach((r) => visit(r, 0));
}

function axis(from, span, x) {
  const div = document.createElement('div');
  div.className = 'row axis';
  const label = document.createElement('div');
  label.className = 'label';
  // the ticks count from the axis's start, said here once so that they stay short enough to fit beside the panel
  label.textContent = 'object   (0 = ' + formatTime(from).substring(11, 23) + ' UTC)';
  const lane = document.createElement('div');
  lane.className = 'lane';
  const ticks = 6;
  for (let i = 0; i <= ticks; i++) {
    const t = from + span * i / ticks;
    const tick = document.createElement('span');
    tick.className = 'tick';
    tick.style.left = x(t);
    tick.textContent = i === 0 ? '0' : '+' + formatDuration(t - from);
    lane.append(tick);
  }
  div.append(label, lane);
  return div;
}

function row(object, depth, x) {
  const div = document.createElement('div');
  div.className = 'row object' + (object.searched ? ' searched' : '');
  div.dataset.object = object.name;
  const label = document.createElement('div');
  label.className = 'label';
  label.style.paddingLeft = (8 + depth * 18) + 'px';
  label.textContent = object.name;
  label.title = object.name + (object.searched ? ' (searched)' : '') + ', ' + object.marks.length + ' requests and Events';
  const lane = document.createElement('div');
  lane.className = 'lane';
  if (object.marks.length) {
    const bar = document.createElement('span');
    bar.className = 'bar';
    const first = object.marks[0].time;
    const last = object.marks[object.marks.length - 1].time;
    bar.style.left = x(first);
    bar.style.width = 'calc(' + x(last) + ' - ' + x(first) + ' + 2px)';
    lane.append(bar);
  }
  for (const m of object.marks) {
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'mark ' + m.type;
    button.style.left = x(m.time);
    button.dataset.name = m.name;
    button.dataset.time = String(m.time); // microseconds, as the rows have them: a test or a script finds one mark
    button.title = formatTime(m.time) + '  ' + m.name;
    button.addEventListener('click', () => showDetail(m, button));
    m.button = button;
    lane.append(button);
  }
  div.append(label, lane);
  return div;
}

// ---- the side panel

const SHOWN = [
  ['user', 'k8s.audit.user'], ['verb', 'k8s.audit.verb'], ['subresource', 'k8s.audit.subresource'],
  ['code', 'k8s.audit.response_code'], ['request', 'k8s.audit.request_uri'], ['user agent', 'k8s.audit.user_agent'],
  ['reason', 'k8s.event.reason'], ['type', 'k8s.event.type'], ['message', 'k8s.event.message'],
  ['count', 'k8s.event.count'], ['from', 'k8s.event.reporting_component'],
];

function showDetail(m, button) {
  document.querySelectorAll('.mark.selected').forEach((b) => b.classList.remove('selected'));
  button.classList.add('selected');
  const body = $('detail-body');
  body.replaceChildren();
  const title = document.createElement('h2');
  title.textContent = m.name;
  const where = document.createElement('p');
  where.className = 'where';
  where.textContent = m.object.name + ' at ' + formatTime(m.time);
  body.append(title, where);
  body.append(...sameSpot(m, button));

  const table = document.createElement('table');
  const add = (label, value, cls) => {
    const tr = document.createElement('tr');
    cells(tr, [label, String(value)]);
    if (cls) {
      tr.className = cls;
    }
    table.append(tr);
  };
  add('kind', m.fields['kelemetry.kind'] || '');
  if (m.fields['kelemetry.kind'] === 'audit') {
    add('status', m.fields.error === true ? 'failed' : 'succeeded', m.fields.error === true ? 'failed' : '');
  }
  for (const [label, key] of SHOWN) {
    if (m.fields[key] !== undefined && m.fields[key] !== '') {
      add(label, m.fields[key]);
    }
  }
  if (m.fields['kelemetry.kind'] === 'audit') {
    // a request span's duration (tree, timeline), or the field a log carries it in (tracing, grouped)
    const latency = m.durationMicros !== null ? m.durationMicros : m.fields['kelemetry.duration_us'];
    add('latency', latency === undefined ? 'unknown' : formatDuration(latency));
  }
  body.append(table);

  if (m.fields.diff) {
    body.append(heading('diff'), pre(m.fields.diff, 'diff'));
  }
  for (const key of ['error', 'note']) {
    if (typeof m.fields[key] === 'string' && m.fields[key]) {
      body.append(heading(key), pre(m.fields[key], key));
    }
  }
  if (m.fields.snapshot) {
    body.append(heading('snapshot'), pre(prettyJson(m.fields.snapshot), 'snapshot'));
  }
  const all = document.createElement('details');
  const summary = document.createElement('summary');
  summary.textContent = 'all fields';
  all.append(summary, pre(Object.keys(m.fields).sort().filter((k) => k !== 'snapshot')
    .map((k) => k + ' = ' + m.fields[k]).join('\n'), 'fields'));
  body.append(all);
  // below the header, beside the waterfall (main makes room), so the form and the marks stay usable
  $('detail').style.top = document.querySelector('header').offsetHeight + 'px';
  $('detail').hidden = false;
  document.body.classList.add('detail-open');
}

/**
 * The marks of the row drawn within a few pixels of this one: a controller often answers a write within
 * milliseconds, so at any zoom its mark covers the write's, and this list is how to reach each of them.
 */
function sameSpot(m, button) {
  const left = button.getBoundingClientRect().left;
  const near = m.object.marks.filter((o) => Math.abs(o.button.getBoundingClientRect().left - left) <= 6);
  if (near.length < 2) {
    return [];
  }
  const list = document.createElement('ul');
  list.className = 'same-spot';
  for (const o of near) {
    const item = document.createElement('li');
    const link = document.createElement('button');
    link.type = 'button';
    link.className = 'mark-link ' + o.type + (o === m ? ' current' : '');
    link.dataset.time = String(o.time);
    link.textContent = formatTime(o.time).substring(11, 23) + '  ' + o.name;
    link.addEventListener('click', () => showDetail(o, o.button));
    item.append(link);
    list.append(item);
  }
  return [heading(near.length + ' marks at this spot'), list];
}

function heading(text) {
  const h = document.createElement('h3');
  h.textContent = text;
  return h;
}

function pre(text, cls) {
  const p = document.createElement('pre');
  p.className = cls;
  p.textContent = text;
  return p;
}

function prettyJson(text) {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch (e) {
    return text; // not JSON (cut or redacted): as it is
  }
}

function closeDetail() {
  $('detail').hidden = true;
  document.body.classList.remove('detail-open');
  document.querySelectorAll('.mark.selected').forEach((b) => b.classList.remove('selected'));
}

// ---- times (the API's are microseconds since the epoch)

function formatTime(micros) {
  return new Date(micros / 1000).toISOString().replace('T', ' ').replace('Z', ' UTC');
}

function formatDuration(micros) {
  if (micros < 1000) {
    return Math.round(micros) + ' µs';
  }
  if (micros < 1e6) {
    return (micros / 1000).toFixed(1) + ' ms';
  }
  if (micros < 120e6) {
    return (micros / 1e6).toFixed(1) + ' s';
  }
  return (micros / 60e6).toFixed(1) + ' min';
}

// ---- start

function route() {
  const match = /^#trace=([0-9a-fA-F]+)$/.exec(location.hash);
  if (match) {
    openTrace(match[1]);
  } else {
    // back from a trace: the list it was opened from, if there was one
    $('trace').hidden = true;
    closeDetail();
    $('results').hidden = $('result-rows').children.length === 0;
  }
}

$('search').addEventListener('submit', search);
$('mode').addEventListener('change', () => fillClusters().catch((e) => status(e.message, true)));
$('close-detail').addEventListener('click', closeDetail);
window.addEventListener('hashchange', route);
fillModes().then(route).catch((e) => status('the service did not answer: ' + e.message, true));
