// A basic phone in the browser: dials the town's menu as a USSD gateway would, the session's answers joined by '*'.
import { i18n } from './i18n.js';

const $ = (id) => document.getElementById(id);
const session = { answers: [], open: false };

async function step() {
  const response = await fetch('/v1/phone-demo', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ phoneNumber: $('number').value.trim(), text: session.answers.join('*') }),
  });
  const reply = await response.text();
  if (!response.ok) {
    let said = reply;
    try { said = JSON.parse(reply).detail; } catch (e) { /* plain text */ }
    $('screen').textContent = said;
    session.open = false;
    return;
  }
  $('screen').textContent = reply.slice(4);  // CON or END, as the gateway strips it
  session.open = reply.startsWith('CON ');
  if (!session.open) $('screen').textContent += '\n\n' + i18n.t('(session ended: dial again)');
  $('answer').value = '';
  $('answer').focus();
}

function dial() { session.answers = []; session.dialled = true; step(); }

$('call').addEventListener('click', dial);
$('hangup').addEventListener('click', () => {
  session.open = false;
  session.answers = [];
  session.dialled = false;
  idle();
});
$('dial').addEventListener('submit', (event) => {
  event.preventDefault();
  if (!session.open) { dial(); return; }
  session.answers.push($('answer').value.trim());
  step();
});

// The page's own words in the reader's language (the menu's come from the bridge, in the member's chosen one); the
// screen says "Dial to start." in it until the first dial, never over a menu already shown.
const idle = () => { if (!session.dialled) $('screen').textContent = i18n.t('Dial to start.'); };
i18n.load().then(idle);
document.addEventListener('ost-language', idle);
