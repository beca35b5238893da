// The page's words in the member's language, from the town's catalogs (the same as the phone menu's): the
// language chosen here before, else the browser's first the town speaks, else English. Right to left for Arabic.

export const i18n = {
  lang: 'en',
  messages: {},
  plurals: {},
  languages: [],
  // ``message`` (English) in the chosen language, its {placeholders} filled; English when not translated.
  t(message, values = {}) {
    const text = this.messages[message] || message;
    return text.replace(/\{(\w+)\}/g, (whole, name) => (name in values ? String(values[name]) : whole));
  },
  // A sentence that changes with the number ``n``: English ``one`` or ``other``; another language's form for the
  // number's plural category (Intl.PluralRules: one, two, few, many, other…), from the catalog's plural entry.
  tn(one, other, n, values = {}) {
    const forms = this.plurals[one];
    let text = Number(n) === 1 ? one : other;
    if (forms) text = forms[new Intl.PluralRules(this.lang).select(Number(n))] || forms.other || text;
    return text.replace(/\{(\w+)\}/g, (whole, name) => (name in values ? String(values[name]) : whole));
  },
  number(value, options = {}) { return Number(value).toLocaleString(this.lang, options); },
  date(seconds, style = 'medium') {
    return new Intl.DateTimeFormat(this.lang, { dateStyle: style }).format(new Date(seconds * 1000));
  },
  async load() {
    const response = await fetch('/v1/i18n', { headers: { Accept: 'application/json' } });
    const offered = await response.json();
    this.languages = offered.languages;
    const codes = this.languages.map((l) => l.code);
    let stored = null;
    try { stored = localStorage.getItem('ost-language'); } catch (e) { /* private mode */ }
    const browser = (navigator.languages || [navigator.language || 'en']).map((l) => l.slice(0, 2).toLowerCase());
    this.lang = [stored, ...browser].find((code) => codes.includes(code)) || offered.default;
    await this.use(this.lang);
  },
  async use(code) {
    const response = await fetch(`/v1/i18n/${code}`, { headers: { Accept: 'application/json' } });
    const body = await response.json();
    this.lang = code;
    this.messages = body.messages;
    this.plurals = body.plurals || {};
    document.documentElement.lang = code;
    document.documentElement.dir = body.dir;
    for (const node of document.querySelectorAll('[data-i18n]')) node.textContent = this.t(node.dataset.i18n);
    for (const node of document.querySelectorAll('[data-i18n-placeholder]')) {
      node.placeholder = this.t(node.dataset.i18nPlaceholder);
    }
    for (const node of document.querySelectorAll('[data-i18n-label]')) {
      node.setAttribute('aria-label', this.t(node.dataset.i18nLabel));
    }
    const picker = document.getElementById('language');
    if (picker && !picker.options.length) {
      for (const l of this.languages) picker.append(new Option(l.name, l.code));
      picker.addEventListener('change', async () => {
        try { localStorage.setItem('ost-language', picker.value); } catch (e) { /* private mode */ }
        await this.use(picker.value);
        document.dispatchEvent(new Event('ost-language'));
      });
    }
    if (picker) picker.value = code;
  },
};
