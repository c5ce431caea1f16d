// @ts-check
/* The payload loader. load(name) inserts a script element for data/NAME.js the first time
 * a payload is needed (inserted scripts load from file://, where fetch/XHR do not); the
 * script calls receive(name, content). A single-file report carries its payloads inline,
 * as text/plain script elements with the id rg-payload-NAME, read first. */

/** What has arrived, and who waits for what (name -> callbacks). */
reportgen.payloads = {
  /** @type {Object<string, any>} */
  received: {},
  /** @type {Object<string, {resolve: function(any): void, reject: function(Error): void}[]>} */
  waiting: {}
};

/** Called by every data/<name>.js.
 * @param {string} name
 * @param {any} content */
reportgen.receive = function (name, content) {
  var payloads = reportgen.payloads;
  payloads.received[name] = content;
  (payloads.waiting[name] || []).forEach(function (callbacks) { callbacks.resolve(content); });
  delete payloads.waiting[name];
};

/** Payload `name`'s content, loaded once.
 * @param {string} name
 * @returns {Promise<any>} */
reportgen.load = function (name) {
  var received = reportgen.payloads.received;
  var waiting = reportgen.payloads.waiting;
  if (Object.prototype.hasOwnProperty.call(received, name)) {
    return Promise.resolve(received[name]);
  }
  var inline = document.getElementById(reportgen.contract.PAYLOAD_ELEMENT_PREFIX + name);
  if (inline) {  // a single-file report carries its payloads inline
    received[name] = JSON.parse(inline.textContent);
    return Promise.resolve(received[name]);
  }
  return new Promise(function (resolve, reject) {
    var first = !waiting[name];
    (waiting[name] = waiting[name] || []).push({ resolve: resolve, reject: reject });
    if (!first) { return; }
    var script = document.createElement("script");
    script.src = reportgen.contract.PAYLOAD_DIR + name + ".js";
    script.onerror = function () {
      var error = new Error("could not load " + reportgen.contract.PAYLOAD_DIR + name + ".js");
      (waiting[name] || []).forEach(function (callbacks) { callbacks.reject(error); });
      delete waiting[name];
    };
    document.head.appendChild(script);
  });
};
