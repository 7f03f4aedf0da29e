/* NIDIA Flow realtime client (docs/realtime.md): one socket per page, signed in by the portal's session.
 *
 *   NFRealtime.connect();                               // idempotent; on() and send() connect too
 *   NFRealtime.on("chat.channel.42", (data, frame) => …); // or "*" for every event; returns an "off" function
 *   NFRealtime.send({type: "chat.typing", channel: 42}).then(data => …, error => …);
 *
 * The URL comes from <meta name="nf-realtime-url"> ({% realtime_meta %}). The socket reconnects with
 * exponential backoff (1 s doubling to 30 s, with jitter) unless the server refused it for good
 * (close codes 4401, 4403, 4404). send() resolves with the reply's data for its ref and rejects with
 * the error frame ({code, message}) or when the socket closes first.
 */
(function () {
  "use strict";
  if (window.NFRealtime) return;

  var FINAL = { 4401: true, 4403: true, 4404: true };
  var socket = null;
  var wanted = false;
  var attempt = 0;
  var retryTimer = null;
  var nextRef = 1;
  var pending = {}; // ref -> {resolve, reject}
  var queue = []; // frames sent while connecting
  var listeners = {}; // topic or "*" -> [fn]

  function url() {
    var meta = document.querySelector('meta[name="nf-realtime-url"]');
    if (meta && meta.content) return meta.content;
    return (location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws/";
  }

  function emit(topic, data, frame) {
    (listeners[topic] || []).concat(listeners["*"] || []).forEach(function (fn) {
      try { fn(data, frame); } catch (err) { console.error("NFRealtime listener", err); }
    });
  }

  function settle(frame) {
    var waiting = pending[frame.ref];
    if (!waiting) return;
    delete pending[frame.ref];
    if (frame.type === "reply") waiting.resolve(frame.data);
    else waiting.reject({ code: frame.code, message: frame.message });
  }

  function onMessage(event) {
    var frame;
    try { frame = JSON.parse(event.data); } catch (err) { return; }
    if (frame.type === "event") emit(frame.topic, frame.data, frame);
    else if (frame.type === "pong" && frame.ref !== undefined) settle({ type: "reply", ref: frame.ref, data: {} });
    else if (frame.type === "reply" || frame.type === "error") {
      if (frame.ref !== null && frame.ref !== undefined) settle(frame);
      else if (frame.type === "error") console.warn("NFRealtime", frame.code, frame.message);
    }
  }

  function failPending(reason) {
    Object.keys(pending).forEach(function (ref) { pending[ref].reject(reason); });
    pending = {};
  }

  function scheduleReconnect() {
    var delay = Math.min(30000, 1000 * Math.pow(2, attempt)) * (0.5 + Math.random() / 2);
    attempt += 1;
    retryTimer = setTimeout(open, delay);
  }

  function open() {
    retryTimer = null;
    socket = new WebSocket(url());
    socket.onopen = function () {
      attempt = 0;
      var waiting = queue;
      queue = [];
      waiting.forEach(function (text) { socket.send(text); });
      emit("connect", {}, { type: "connect" });
    };
    socket.onmessage = onMessage;
    socket.onclose = function (event) {
      socket = null;
      failPending({ code: "disconnected", message: "The connection closed before the reply." });
      emit("disconnect", { code: event.code }, { type: "disconnect" });
      if (wanted && !FINAL[event.code]) scheduleReconnect();
    };
  }

  function connect() {
    wanted = true;
    if (!socket && !retryTimer) open();
    return window.NFRealtime;
  }

  function on(topic, fn) {
    (listeners[topic] = listeners[topic] || []).push(fn);
    connect();
    return function off() {
      listeners[topic] = (listeners[topic] || []).filter(function (f) { return f !== fn; });
    };
  }

  function send(frame) {
    connect();
    var ref = frame.ref !== undefined ? frame.ref : "c" + nextRef++;
    var text = JSON.stringify(Object.assign({}, frame, { ref: ref }));
    return new Promise(function (resolve, reject) {
      pending[ref] = { resolve: resolve, reject: reject };
      if (socket && socket.readyState === WebSocket.OPEN) socket.send(text);
      else queue.push(text);
    });
  }

  function disconnect() {
    wanted = false;
    if (retryTimer) clearTimeout(retryTimer);
    retryTimer = null;
    if (socket) socket.close(1000);
  }

  window.NFRealtime = { connect: connect, on: on, send: send, disconnect: disconnect };
})();
