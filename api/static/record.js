// One Small Town dashboard: the town on record — its documents checked against the hashes on chain, its
// pictures with a sentence each, its 12-month plan and its latest rewards (app.js reads the town; the other parts draw the rest).
import { $, count, el, i18n, inTown, N_, short, t, tn, townRoot, units } from './common.js';
import { coin, openPhases, state } from './state.js';

// ── the launch on record: documents checked here, against the SHA-256 the town published on chain ──

const DOCUMENT_NAMES = { business_plan: N_('Business plan'), investor_pack: N_('Investor pack') };
const checked = new Map(); // sha256 → 'matches' | 'differs' | 'unreachable'

async function sha256Hex(bytes) {
  const digest = await crypto.subtle.digest('SHA-256', bytes);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

export function documentLinks(b) {
  const links = Object.entries(b.documents || {}).map(([kind, d]) => {
    const note = el('span', { class: 'doc-check muted', 'data-sha256': d.sha256 }, t('checking…'));
    const fetchable = d.uri.startsWith('/v1/documents/'); // the page may fetch from its own bridge only
    const link = el('a', { href: fetchable ? inTown(d.uri) : d.uri, rel: 'noopener' },
      t('{document} (version {version})', { document: t(DOCUMENT_NAMES[kind] || kind), version: count(d.version) }));
    if (!fetchable) note.textContent = t('published by its SHA-256 {hash}…: compare what you fetch', { hash: d.sha256.slice(0, 12) });
    else verifyDocument(d, note);
    return el('span', { class: 'doc' }, link, ' ', note);
  });
  return links.length ? el('div', { class: 'docs' }, ...links) : '';
}

async function verifyDocument(d, note) {
  if (!checked.has(d.sha256)) {
    checked.set(d.sha256, (async () => {
      try {
        const response = await fetch(inTown(d.uri));
        if (!response.ok) return 'unreachable';
        return (await sha256Hex(await response.arrayBuffer())) === d.sha256 ? 'matches' : 'differs';
      } catch (error) { return 'unreachable'; }
    })());
  }
  const verdict = await checked.get(d.sha256);
  note.className = `doc-check ${verdict === 'matches' ? 'good' : 'bad'}`;
  note.textContent = t({
    matches: N_('✓ this document matches what the town published'),
    differs: N_('✗ this document does NOT match what the town published: do not rely on it'),
    unreachable: N_('✗ this document cannot be fetched now'),
  }[verdict]);
}

// ── the town in pictures: drawn by Chart.js (from npm, served by the bridge), each with a sentence that says the
// same; series told apart by line and marker, not by colour alone ──

const charts = {};
window.ostCharts = charts;

function draw(id, config, sentence) {
  if (!$(id)) { // its figure: a canvas and the sentence that says what it shows, in the order drawn
    $('pictures').append(el('figure', {}, el('canvas', { id, role: 'img' }), el('figcaption', { id: `${id}-text` })));
  }
  $(`${id}-text`).textContent = sentence;
  $(id).setAttribute('aria-label', sentence);
  if (!window.Chart) return; // no library: the sentence says it all
  if (charts[id]) charts[id].destroy();
  charts[id] = new window.Chart($(id), {
    ...config,
    // From zero: one point must not get a made-up scale around it (57 to 63 members around 60).
    options: { animation: false, responsive: true, maintainAspectRatio: false, scales: { y: { beginAtZero: true } }, ...config.options },
  });
}

export function renderPictures() {
  const p = state.pictures;
  const dates = (points) => points.map((x) => i18n.date(Math.floor(Date.parse(x.date || x.week) / 1000)));
  // A sale's raise over time, one line per phase.
  const picker = $('chart-business');
  const raised = Object.keys(p.raises).map(Number);
  const chosen = raised.includes(Number(picker.value)) ? Number(picker.value) : raised[0];
  picker.replaceChildren(...raised.map((id) => new Option(state.businesses.find((b) => b.id === id)?.name || `#${id}`, id)));
  if (chosen !== undefined) picker.value = String(chosen);
  const points = chosen === undefined ? [] : p.raises[String(chosen)];
  const phases = openPhases();
  const styles = { local: ['circle', []], country: ['triangle', [6, 4]], world: ['rect', [2, 3]] };
  const business = state.businesses.find((b) => b.id === chosen);
  draw('chart-raise', {
    type: 'line',
    data: {
      labels: dates(points),
      datasets: phases.map((phase, n) => ({
        label: t(phase), pointStyle: (styles[phase] || ['rectRot'])[0], borderDash: (styles[phase] || [[n, 2]])[1],
        pointRadius: 5, spanGaps: false,
        data: points.map((x) => (x.phase === phase ? x.sold : null)),
      })),
    },
  }, points.length
    ? tn('Raise of {name}: {sold} share sold by {date}, in the {phase} phase.',
      'Raise of {name}: {sold} shares sold by {date}, in the {phase} phase.', points[points.length - 1].sold, {
      name: business ? business.name : `#${chosen}`, sold: count(points[points.length - 1].sold),
      date: dates(points).pop(), phase: t(points[points.length - 1].phase),
    })
    : t('No share has been bought yet.'));
  // INF issued per week.
  const weeks = p.infPerWeek;
  draw('chart-inf', {
    type: 'bar',
    data: { labels: dates(weeks), datasets: [{ label: t('INF issued per week'), data: weeks.map((w) => Number(BigInt(w.amount) / 10n ** 16n) / 100) }] },
  }, weeks.length
    ? t('INF issued per week: {weeks}.', { weeks: weeks.map((w, i) => `${dates(weeks)[i]} ${units(w.amount, 18)} INF`).join('; ') })
    : t('No INF has been issued yet.'));
  // Profit deposited and claimed, over time.
  const money = p.profit;
  const eth = (v) => Number(BigInt(v) / 10n ** 12n) / 1e6;
  draw('chart-profit', {
    type: 'line',
    data: {
      labels: dates(money),
      datasets: [
        { label: t('deposited'), pointStyle: 'circle', data: money.map((m) => eth(m.deposited)) },
        { label: t('claimed'), pointStyle: 'triangle', borderDash: [6, 4], data: money.map((m) => eth(m.claimed)) },
      ],
    },
  }, money.length
    ? t('Profit: {deposited} deposited and {claimed} claimed by {date}.', {
      deposited: `${units(money[money.length - 1].deposited, 18)} ${coin()}`,
      claimed: `${units(money[money.length - 1].claimed, 18)} ${coin()}`,
      date: dates(money).pop(),
    })
    : t('No profit has been deposited yet.'));
  // Members over time.
  const members = p.members;
  draw('chart-members', {
    type: 'line',
    data: { labels: dates(members), datasets: [{ label: t('Members'), stepped: true, data: members.map((m) => m.count) }] },
  }, members.length
    ? t('Members: {count} on {date}.', { count: count(members[members.length - 1].count), date: dates(members).pop() })
    : t('No member yet.'));
}

export function renderPlan(plan) {
  const list = $('plan');
  if (!plan.milestones.length) {
    $('plan-line').textContent = t('The town has not published its 12-month plan yet.');
    list.replaceChildren();
    return;
  }
  $('plan-line').textContent = plan.matches
    ? t('Published on chain (version {version}); each step below says whether the chain shows it done.',
      { version: count(plan.version) })
    : t('This plan is not the one published on chain.');
  // What the chain can tell: businesses listed (done), shifts worked on a milestone's projects (under way — a roof
  // fixed is for people to see, not the chain); the plan's own words as the ambassador wrote them (<bdi>).
  const stands = (m) => {
    const said = [];
    if (m.done !== null) said.push(m.done ? t('✓ done') : t('… not yet'));
    const part = (m.projectsWorked || []).length;
    if (m.underWay !== null) {
      said.push(m.underWay ? t('✓ under way: shifts worked on it')
        : part ? t('… partly under way: shifts worked on {worked} of {total}',
          { worked: count(part), total: count(m.projects.length) })
          : t('… no shift worked on it yet'));
    }
    return said.length ? said.join('; ') : t('not known from the chain');
  };
  list.replaceChildren(...plan.milestones.map((m) => el('li', {}, el('strong', {}, t('Month {month}: ', { month: count(m.month) })),
    el('bdi', {}, m.what), ' ', el('span', { class: m.done || m.underWay ? 'good' : 'muted' }, `(${stands(m)})`))));
}

// The latest rewards in words: "25 Nov 2026: 0x2546…Ec30 earned 1 INF for 3 hours on Clean the river".
export function renderRewards(rewards) {
  const list = $('rewards');
  list.replaceChildren(...rewards.map((r) => {
    const member = el('a', { href: `${townRoot}m/${r.member}`, title: r.member }, short(r.member));
    const words = t('{when}: {member} earned {amount} for {time} on {project}', {
      when: i18n.date(r.time), member: '\u0000', amount: `${units(r.amount, 18)} INF`,
      time: worked(r.minutes), project: r.projectName,
    }).split('\u0000');
    return el('li', {}, words[0], member, words.slice(1).join(''));
  }));
  if (!rewards.length) list.replaceChildren(el('li', {}, t('No rewards yet.')));
}

// Minutes worked in words, each number with its noun as the language says it: "3 hours", "1 hour 30 minutes".
export function worked(minutes) {
  const hours = Math.floor(minutes / 60), rest = minutes % 60;
  const h = tn('{hours} hour', '{hours} hours', hours, { hours: count(hours) });
  const m = tn('{minutes} minute', '{minutes} minutes', rest, { minutes: count(rest) });
  if (!hours) return m;
  return rest ? t('{hours} {minutes}', { hours: h, minutes: m }) : h;
}
