/*
 * Cairn's onboarding checklist for your product's pages: plain JavaScript, no build, no
 * dependencies. It fetches GET /v1/checklist/:account_id from `cairn serve` with the token your
 * backend signs for the account (hex HMAC-SHA256 of the account id with the identity secret of
 * `cairn keys identity`) and renders the setup steps done and missing, the stage and the next
 * best step with its reason. Your page's origin must be in checklist.allowed_origins.
 *
 *   <div id="onboarding"></div>
 *   <script src="https://cairn.example.com/v1/checklist.js" data-target="#onboarding"
 *     data-account="acme" data-token="<token from your backend>" defer></script>
 *
 * or, from your own code: CairnChecklist.render(element, { host, accountId, token }).
 * Everything it shows is text (never HTML from the response); steps say "Done" or "To do" in
 * words for screen readers, progress is a <progress> named by its heading, and loading and
 * errors are announced in a polite live region.
 */
(function () {
  'use strict';
  var STYLE =
    '.cairn-checklist{font:14px/1.4 system-ui,sans-serif;max-width:28rem}' +
    '.cairn-checklist ol{list-style:none;padding:0}' +
    '.cairn-checklist li{padding:.2rem 0}' +
    '.cairn-checklist li[data-done="true"]{color:#555}' +
    '.cairn-checklist progress{width:100%}' +
    '.cairn-checklist .cairn-sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}';
  var count = 0;

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      node.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) {
      node.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
    });
    return node;
  }

  function addStyle() {
    if (document.getElementById('cairn-checklist-style')) return;
    var style = el('style', { id: 'cairn-checklist-style' }, [STYLE]);
    document.head.appendChild(style);
  }

  function checklistSection(list) {
    var id = 'cairn-checklist-' + ++count;
    var steps = list.steps.map(function (s) {
      return el('li', { 'data-done': String(s.done) }, [
        el('span', { 'aria-hidden': 'true' }, [s.done ? '\u2713 ' : '\u25CB ']),
        el('span', { class: 'cairn-sr' }, [s.done ? 'Done: ' : 'To do: ']),
        s.label,
      ]);
    });
    return el('section', { 'aria-labelledby': id }, [
      el('h2', { id: id }, [list.label]),
      el('progress', { max: String(list.needed), value: String(Math.min(list.done, list.needed)), 'aria-labelledby': id }),
      el('p', {}, [list.done + ' of ' + list.needed + ' steps done' + (list.reached ? ': complete' : '')]),
      el('ol', {}, steps),
    ]);
  }

  function draw(root, data) {
    var parts = [el('p', { class: 'cairn-stage' }, ['Stage: ' + data.stage.label + ' (' + (data.stage.index + 1) + ' of ' + data.stage.of + ')'])];
    data.checklists.forEach(function (list) {
      parts.push(checklistSection(list));
    });
    if (data.next_best_step) {
      parts.push(
        el('div', { class: 'cairn-next' }, [
          el('p', {}, [el('strong', {}, ['Next step: ']), data.next_best_step.action]),
          el('p', { class: 'cairn-reason' }, [data.next_best_step.reason]),
        ]),
      );
    }
    root.replaceChildren.apply(root, parts);
  }

  /** Fetches and renders the checklist into `target`; resolves with the data, rejects (after saying so on the page) on failure. */
  function render(target, opts) {
    addStyle();
    var host = String(opts.host || '').replace(/\/$/, '');
    target.classList.add('cairn-checklist');
    var status = el('p', { role: 'status', 'aria-live': 'polite' }, ['Loading your checklist\u2026']);
    var body = el('div', {}, []);
    target.replaceChildren(body, status);
    return fetch(host + '/v1/checklist/' + encodeURIComponent(opts.accountId), { headers: { authorization: 'Bearer ' + opts.token }, credentials: 'omit' })
      .then(function (res) {
        if (!res.ok) throw new Error('the checklist could not be loaded (HTTP ' + res.status + ')');
        return res.json();
      })
      .then(
        function (data) {
          draw(body, data);
          status.textContent = '';
          return data;
        },
        function (err) {
          status.textContent = err && /HTTP/.test(err.message) ? err.message : 'the checklist could not be loaded';
          throw err;
        },
      );
  }

  window.CairnChecklist = { render: render };

  // A script tag with data-account renders itself into data-target.
  var script = document.currentScript;
  if (script && script.dataset.account) {
    var start = function () {
      var target = document.querySelector(script.dataset.target || '#cairn-checklist');
      if (!target) return;
      var host = script.dataset.host || new URL(script.src).origin;
      render(target, { host: host, accountId: script.dataset.account, token: script.dataset.token }).catch(function () {});
    };
    if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
    else start();
  }
})();
