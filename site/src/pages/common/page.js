// common/page.js: what every worker-rendered page's script shares (/book,
// /centre, /gate, /pass). Loaded before the page's own script; exposes
// window.KP. No framework: these pages run on cheap phones.
(function () {
  'use strict';
  var strings = {};
  var el = document.getElementById('page-strings');
  if (el) {
    try { strings = JSON.parse(el.textContent); } catch (e) { strings = {}; }
  }

  // t returns the page string key with {name} placeholders filled from vars.
  function t(key, vars) {
    var s = Object.prototype.hasOwnProperty.call(strings, key) ? strings[key] : key;
    if (vars) {
      Object.keys(vars).forEach(function (k) { s = s.split('{' + k + '}').join(String(vars[k])); });
    }
    return s;
  }

  // api calls the service's JSON API on this origin. It always resolves:
  // {ok, status, data}; a network failure is status 0 with error "network".
  function api(method, path, body, headers) {
    var init = { method: method, headers: { Accept: 'application/json' }, credentials: 'same-origin', cache: 'no-store' };
    Object.keys(headers || {}).forEach(function (k) { init.headers[k] = headers[k]; });
    if (body !== undefined) {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    return fetch(path, init).then(function (res) {
      return res.text().then(function (txt) {
        var data = {};
        try { data = txt ? JSON.parse(txt) : {}; } catch (e) { data = { error: 'bad_response' }; }
        return { ok: res.ok, status: res.status, data: data, headers: res.headers };
      });
    }, function () {
      return { ok: false, status: 0, data: { error: 'network' } };
    });
  }

  // errorText is the person-facing text for an API error: the page's
  // "err_<code>" string if it has one, else its generic one.
  function errorText(data) {
    var code = data && data.error;
    if (code && Object.prototype.hasOwnProperty.call(strings, 'err_' + code)) return strings['err_' + code];
    return t('err_generic');
  }

  function $(id) { return document.getElementById(id); }

  // show makes exactly one of the page's <section data-screen> visible and
  // moves focus to its heading, so screen readers announce the new step.
  function show(id) {
    var target = null;
    // Not body: it carries data-screen too (the current screen's id).
    document.querySelectorAll('[data-screen]:not(body)').forEach(function (s) {
      var on = s.id === id;
      s.hidden = !on;
      if (on) target = s;
    });
    if (target) {
      var h = target.querySelector('h1, h2, [tabindex="-1"]') || target;
      if (!h.hasAttribute('tabindex')) h.setAttribute('tabindex', '-1');
      h.focus();
    }
    document.body.setAttribute('data-screen', id);
  }

  window.KP = { t: t, api: api, errorText: errorText, $: $, show: show, strings: strings };
})();
