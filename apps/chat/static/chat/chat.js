/* The chat page, live. Messages are rendered by the server (the same partials as without JavaScript);
 * this script fetches them: after a socket event (window.NFRealtime, static/realtime/realtime.js) or, without
 * a socket, by polling. It sends through the page's own forms (fetch), so every rule is the server's. */
(function () {
  "use strict";
  var root = document.getElementById("chat");
  if (!root) { return; }
  var channel = root.dataset.channel;
  var url = root.dataset.messagesUrl;
  var list = document.getElementById("chat-messages");
  var pane = document.getElementById("chat-pane");
  var thread = document.getElementById("chat-thread");
  var live = false;
  var lastPoll = 0;
  var typingTimer = null;
  var lastTyping = 0;

  function csrf() {
    var field = document.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }
  function uuid() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    return "10000000-1000-4000-8000-100000000000".replace(/[018]/g, function (c) {
      return (c ^ (crypto.getRandomValues(new Uint8Array(1))[0] & (15 >> (c / 4)))).toString(16);
    });
  }
  function nodes(html) {
    var tpl = document.createElement("template");
    tpl.innerHTML = html;
    return Array.prototype.slice.call(tpl.content.querySelectorAll(".chat-message"));
  }
  function lastId() {
    var items = list.querySelectorAll(".chat-message");
    return items.length ? items[items.length - 1].dataset.id : 0;
  }
  function atBottom() { return pane.scrollHeight - pane.scrollTop - pane.clientHeight < 80; }
  function toBottom() { pane.scrollTop = pane.scrollHeight; }
  function place(node, where) {
    var existing = document.getElementById(node.id);
    if (existing) { existing.replaceWith(node); return; }
    var empty = list.querySelector(".chat-empty");
    if (empty) { empty.remove(); }
    if (where === "start") { list.prepend(node); } else { list.append(node); }
  }
  function get(query) {
    return fetch(url + "?partial=1&" + query, {credentials: "same-origin"}).then(function (r) { return r.text(); });
  }
  function catchUp() {
    var stick = atBottom();
    lastPoll = Date.now();
    return get("after=" + lastId()).then(function (html) {
      nodes(html).forEach(function (n) { place(n, "end"); });
      if (stick) { toBottom(); }
    });
  }
  function refresh(id) {
    return get("after=" + (Number(id) - 1) + "&limit=1").then(function (html) {
      nodes(html).forEach(function (n) { if (n.dataset.id === String(id) && document.getElementById(n.id)) { place(n); } });
    });
  }
  function older(button) {
    var height = pane.scrollHeight;
    get("before=" + button.dataset.before).then(function (html) {
      var found = nodes(html);
      found.reverse().forEach(function (n) { place(n, "start"); });
      pane.scrollTop = pane.scrollHeight - height;
      var more = html.indexOf('data-more="1"') !== -1;
      if (found.length && more) { button.dataset.before = found[found.length - 1].dataset.id; } else { button.remove(); }
    });
  }
  function post(form) {
    var data = new FormData(form);
    return fetch(form.action + (form.action.indexOf("?") === -1 ? "?" : "&") + "partial=1", {
      method: "POST", body: data, credentials: "same-origin", headers: {"X-CSRFToken": csrf()}
    });
  }
  function openThread(href) {
    fetch(href + "?partial=1", {credentials: "same-origin"}).then(function (r) { return r.text(); }).then(function (html) {
      thread.innerHTML = html;
      thread.classList.remove("d-none");
      thread.dataset.url = href;
    });
  }
  function reloadThread(parentId) {
    var open = document.getElementById("chat-thread-root");
    if (open && (!parentId || open.dataset.parent === String(parentId))) { openThread(open.dataset.url); }
  }

  /* @ autocomplete: typing "@" and letters lists the channel's members (the server's answer, members only);
   * up/down choose, Enter or Tab (or a click) writes the word the server gave, which names that member. */
  function mentionBox(field) {
    var box = document.getElementById("chat-mentions");
    var options = [];
    var active = -1;
    var asked = 0;
    var timer = null;
    function word() {
      var before = field.value.slice(0, field.selectionStart);
      var found = /(^|[^\w@])@([\w.+-]{0,80})$/.exec(before);
      return found ? {start: before.length - found[2].length - 1, q: found[2]} : null;
    }
    function close() {
      box.hidden = true;
      box.innerHTML = "";
      options = [];
      active = -1;
      field.setAttribute("aria-expanded", "false");
      field.removeAttribute("aria-activedescendant");
    }
    function highlight(index) {
      active = index;
      options.forEach(function (li, i) { li.classList.toggle("active", i === index); li.setAttribute("aria-selected", String(i === index)); });
      if (options[index]) { field.setAttribute("aria-activedescendant", options[index].id); }
    }
    function choose(index) {
      var at = word();
      var option = options[index];
      if (!at || !option) { close(); return; }
      var text = "@" + option.dataset.mention + " ";
      var end = field.selectionStart;
      field.value = field.value.slice(0, at.start) + text + field.value.slice(end);
      field.selectionStart = field.selectionEnd = at.start + text.length;
      close();
      field.focus();
    }
    function show(rows) {
      close();
      if (!rows.length) { return; }
      rows.forEach(function (row, i) {
        var li = document.createElement("li");
        li.id = "chat-mention-" + i;
        li.className = "list-group-item list-group-item-action py-1";
        li.setAttribute("role", "option");
        li.dataset.mention = row.mention;
        li.textContent = row.name + " ";
        var small = document.createElement("small");
        small.className = "text-muted";
        small.textContent = "@" + row.mention;
        li.appendChild(small);
        li.addEventListener("mousedown", function (event) { event.preventDefault(); choose(i); });
        box.appendChild(li);
        options.push(li);
      });
      box.hidden = false;
      field.setAttribute("aria-expanded", "true");
      highlight(0);
    }
    function update() {
      clearTimeout(timer);
      var at = word();
      if (!at) { close(); return; }
      timer = setTimeout(function () {
        var mine = ++asked;
        fetch(root.dataset.mentionsUrl + "?q=" + encodeURIComponent(at.q), {credentials: "same-origin"})
          .then(function (r) { return r.ok ? r.json() : {results: []}; })
          .then(function (data) { if (mine === asked && word()) { show(data.results || []); } });
      }, 120);
    }
    function key(event) {
      if (box.hidden || !options.length) { return false; }
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        var step = event.key === "ArrowDown" ? 1 : options.length - 1;
        highlight((active + step) % options.length);
      } else if (event.key === "Enter" || event.key === "Tab") {
        choose(active);
      } else if (event.key === "Escape") {
        close();
      } else {
        return false;
      }
      event.preventDefault();
      return true;
    }
    if (!box) { return {key: function () { return false; }, update: function () {}}; }
    field.addEventListener("blur", function () { setTimeout(close, 150); });
    return {key: key, update: update};
  }

  var composer = document.getElementById("chat-composer");
  if (composer) {
    composer.addEventListener("submit", function (event) {
      event.preventDefault();
      composer.querySelector("[name=client_id]").value = uuid();
      var error = document.getElementById("chat-error");
      post(composer).then(function (r) {
        if (r.status === 204) {
          composer.reset();
          error.textContent = "";
          return catchUp().then(toBottom);
        }
        return r.text().then(function (text) { error.textContent = text; });
      });
    });
    var body = composer.querySelector("textarea[name=body]");
    var mentions = mentionBox(body);
    body.addEventListener("keydown", function (event) {
      if (mentions.key(event)) { return; }
      if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); composer.requestSubmit(); }
    });
    body.addEventListener("input", function () {
      mentions.update();
      if (live && Date.now() - lastTyping > 3000) {
        lastTyping = Date.now();
        window.NFRealtime.send({type: "chat.typing", channel: Number(channel)}).catch(function () {});
      }
    });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.classList.contains("chat-action")) {
      event.preventDefault();
      if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) { return; }
      post(form).then(function (r) {
        return r.text().then(function (html) {
          if (!r.ok) { window.alert(html); return; }
          nodes(html).forEach(function (n) { var old = document.getElementById(n.id); if (old) { old.replaceWith(n); } });
        });
      });
    } else if (form.classList.contains("chat-reply")) {
      event.preventDefault();
      post(form).then(function (r) {
        if (r.status === 204) { reloadThread(); return; }
        return r.text().then(function (text) { window.alert(text); });
      });
    }
  });
  document.addEventListener("click", function (event) {
    var link = event.target.closest(".chat-thread-link");
    if (link) { event.preventDefault(); openThread(link.getAttribute("href")); }
    if (event.target.id === "chat-thread-close") { thread.classList.add("d-none"); thread.innerHTML = ""; }
    if (event.target.id === "chat-older") { older(event.target); }
  });

  function bump(channelId) {
    var badge = document.querySelector('#chat-channels [data-channel="' + channelId + '"] .chat-unread');
    if (!badge) { return; }
    var count = Number(badge.dataset.count || 0) + 1;
    badge.dataset.count = count;
    badge.textContent = count > 99 ? "99+" : String(count);
  }
  function showTyping(name) {
    var box = document.getElementById("chat-typing");
    box.textContent = name + " is typing…";
    clearTimeout(typingTimer);
    typingTimer = setTimeout(function () { box.textContent = ""; }, 4000);
  }
  // NFRealtime calls listeners with (data, frame): the topic is the frame's.
  function onEvent(data, frame) {
    var topic = (frame && frame.topic) || "";
    data = data || {};
    if (topic.indexOf("chat.channel.") !== 0) { return; }
    var id = topic.slice("chat.channel.".length);
    if (id !== String(channel)) {
      if (data.event === "message.created" && data.message && !data.message.parent) { bump(id); }
      return;
    }
    var message = data.message || {};
    if (data.event === "message.created") {
      if (message.parent) { refresh(message.parent); reloadThread(message.parent); } else { catchUp(); }
    } else if (data.event === "message.edited" || data.event === "message.deleted") {
      refresh(message.id);
      if (message.parent) { reloadThread(message.parent); }
    } else if (data.event === "reaction.changed") {
      refresh(data.message_id);
    } else if (data.event === "typing" && data.user !== root.dataset.me) {
      showTyping(data.name);
    }
  }

  // The page says whether it is live (data-live, and the "Live" badge): with a socket, changes arrive as
  // they happen and polling is only a 30 s safety net.
  function setLive(on) {
    live = on;
    root.dataset.live = on ? "1" : "0";
    var badge = document.getElementById("chat-live");
    if (badge) { badge.hidden = !on; }
  }

  toBottom();
  if (window.NFRealtime) {
    window.NFRealtime.on("*", onEvent);
    window.NFRealtime.on("connect", function () { setLive(true); catchUp(); });  // and what was missed meanwhile
    window.NFRealtime.on("disconnect", function () { setLive(false); });
    window.NFRealtime.connect();
  }
  // Polling: every 4 s without a socket, a 30 s safety net while one is connected.
  setInterval(function () {
    if (!live || Date.now() - lastPoll > 30000) { catchUp(); }
  }, 4000);
})();
