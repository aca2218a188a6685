// The SSEKit example page: one EventSource for everything, fetch for everything sent.
//
// Every value from the server or another user is shown with textContent, never as HTML.
// URLs are relative ("sse", not "/sse") so the page also works in a WAR under a context path.
'use strict';

(() => {
  const FEED_ROOMS = ['ticker', 'stats']; // the server's feeds; chat rooms may not use these names
  const $ = (id) => document.getElementById(id);

  const state = {
    name: localStorage.getItem('ssekit.name') || 'guest-' + Math.random().toString(36).slice(2, 6),
    room: localStorage.getItem('ssekit.room') || 'lobby',
    source: null,       // the EventSource
    connectionId: null, // this page's current connection (a new one after each reconnect)
    presenceEvents: 0,  // presence events seen: a fetched presence older than one is not shown
  };

  // ---- the stream ----------------------------------------------------------------------------

  // Opens the stream for the current room. lastEventId=0 asks for everything the server retained
  // for this room, so joining shows the room's recent messages; a page that does not want them
  // leaves it out. Resuming does not depend on it: the connected event gives the browser its
  // position. If the connection drops, the browser reconnects by itself and sends the
  // Last-Event-ID header, which the server prefers over the query: it replays exactly what was
  // missed, with no gap and no duplicate.
  function connect() {
    if (state.source) state.source.close();
    $('chat-log').replaceChildren();
    showPresence({ room: state.room, count: 0 });
    setStatus('connecting');
    const query = new URLSearchParams({ rooms: [state.room, 'stats'].join(','), lastEventId: '0' });
    const source = new EventSource('sse?' + query);
    state.source = source;

    source.onopen = () => setStatus('live');
    source.onerror = () => setStatus(source.readyState === EventSource.CLOSED ? 'closed' : 'reconnecting');

    // The first event of every connection, and again after each reconnect.
    source.addEventListener('connected', (e) => {
      state.connectionId = JSON.parse(e.data).connectionId;
      $('my-id').textContent = state.connectionId;
      // Rooms joined after connecting belong to that connection: join the ticker again.
      if ($('ticker-on').checked) subscribe({ join: ['ticker'] });
      refreshPresence();
    });

    // The resume id was unknown (say, the server restarted): what follows is all it kept.
    source.addEventListener('reset', () => {
      $('chat-log').replaceChildren();
      addNote($('chat-log'), 'The server lost track of this page; showing what it kept.');
    });

    source.addEventListener('chat', (e) => addChat(e.lastEventId, JSON.parse(e.data)));
    // Anything published without an event type (say, with curl) arrives as "message".
    source.addEventListener('message', (e) => addChat(e.lastEventId, { name: '(message)', text: e.data }));
    source.addEventListener('direct', (e) => addDirect(JSON.parse(e.data)));
    source.addEventListener('tick', (e) => showTick(JSON.parse(e.data)));
    source.addEventListener('stats', (e) => showStats(JSON.parse(e.data)));
    // Someone arrived in or left the room: the server sends who is there now.
    source.addEventListener('presence', (e) => {
      const presence = JSON.parse(e.data);
      if (presence.room !== state.room) return;
      state.presenceEvents++;
      showPresence(presence);
    });
  }

  // GET sse/presence?room=.. answers {"room", "count", "members"}: who is in the room when the page
  // (re)connects; presence events keep it up to date from then on.
  async function refreshPresence() {
    const seen = state.presenceEvents;
    const room = state.room;
    try {
      const presence = await answer(await fetch('sse/presence?' + new URLSearchParams({ room })));
      if (state.presenceEvents === seen && room === state.room) showPresence(presence);
    } catch (err) {
      // Not shown: the next presence event brings it.
    }
  }

  function setStatus(text) {
    $('status').textContent = text;
    $('status').dataset.state = text;
  }

  // ---- sending -------------------------------------------------------------------------------

  // POST sse?room=..&event=..&connectionId=.. with a JSON body; the answer is {"id": ..., "queued": n}.
  async function publish(params, body) {
    const res = await fetch('sse?' + new URLSearchParams(params), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
    return answer(res);
  }

  // POST sse/subscriptions changes the rooms of this page's own connection; the session cookie
  // proves the page owns it.
  async function subscribe(change) {
    if (!state.connectionId) return null;
    const res = await fetch('sse/subscriptions', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ connectionId: state.connectionId, ...change }),
    });
    return answer(res);
  }

  // POST name tells the server the name to list this page's visitor by in the rooms it is in.
  async function sendName(name) {
    try {
      await fetch('name', { method: 'POST', body: new URLSearchParams({ name }) });
    } catch (err) {
      // The chat works without it; the visitor is then counted but not listed.
    }
  }

  async function answer(res) {
    const json = await res.json().catch(() => ({}));
    if (!res.ok) throw new Error(json.error || res.status + ' ' + res.statusText);
    return json;
  }

  // ---- rendering (textContent only) ----------------------------------------------------------

  function addChat(id, msg) {
    const li = document.createElement('li');
    li.className = msg.name === state.name ? 'msg mine' : 'msg';
    if (id) li.dataset.id = id;
    const who = document.createElement('span');
    who.className = 'who';
    who.textContent = String(msg.name ?? '?');
    const text = document.createElement('span');
    text.className = 'text';
    text.textContent = String(msg.text ?? '');
    li.append(who, text);
    appendScrolled($('chat-log'), li);
  }

  function addDirect(msg) {
    const li = document.createElement('li');
    li.className = 'msg';
    const who = document.createElement('span');
    who.className = 'who';
    who.textContent = String(msg.name ?? '?');
    const from = document.createElement('code');
    from.className = 'from';
    from.textContent = String(msg.from ?? '').slice(0, 8);
    from.title = String(msg.from ?? '');
    const text = document.createElement('span');
    text.className = 'text';
    text.textContent = String(msg.text ?? '');
    li.append(who, from, text);
    appendScrolled($('direct-log'), li);
  }

  function addNote(list, note) {
    const li = document.createElement('li');
    li.className = 'note';
    li.textContent = note;
    appendScrolled(list, li);
  }

  function appendScrolled(list, li) {
    const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
    list.append(li);
    while (list.children.length > 500) list.firstElementChild.remove();
    if (atBottom) list.scrollTop = list.scrollHeight;
  }

  function showTick(tick) {
    $('tick-count').textContent = String(tick.count);
    const time = new Date(tick.time);
    $('tick-time').dateTime = String(tick.time);
    $('tick-time').textContent = isNaN(time) ? String(tick.time) : time.toLocaleTimeString();
  }

  function showPresence(p) {
    $('presence-count').textContent = String(p.count);
    const members = Array.isArray(p.members) ? p.members : [];
    const items = members.map((m) => {
      const li = document.createElement('li');
      li.textContent = String(m);
      return li;
    });
    const unnamed = Number(p.count) - members.length;
    if (unnamed > 0 && members.length > 0) {
      const li = document.createElement('li');
      li.className = 'muted';
      li.textContent = '+' + unnamed + ' unnamed';
      items.push(li);
    }
    $('presence-members').replaceChildren(...items);
  }

  function showStats(s) {
    $('stat-connections').textContent = String(s.connections);
    $('stat-rooms').textContent = String(s.rooms);
    $('stat-events').textContent = Number(s.eventsPublished).toLocaleString();
    $('stat-dropped').textContent = Number(s.framesDropped).toLocaleString();
  }

  // ---- forms ---------------------------------------------------------------------------------

  function checkRoom(room) {
    if (!room) return 'Choose a room.';
    if (room.includes(',')) return 'A room name cannot contain a comma.';
    if (FEED_ROOMS.includes(room)) return '"' + room + '" is the name of a feed; choose another room.';
    return null;
  }

  $('join-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const name = $('name').value.trim();
    const room = $('room').value.trim();
    const problem = name ? checkRoom(room) : 'Choose a name.';
    $('chat-error').textContent = problem || '';
    if (problem) return;
    const renamed = name !== state.name;
    state.name = name;
    localStorage.setItem('ssekit.name', name);
    if (renamed) await sendName(name);
    if (room !== state.room) {
      state.room = room;
      localStorage.setItem('ssekit.room', room);
      $('room-label').textContent = room;
      connect(); // a new stream, so that the new room's history comes with it
    } else if (renamed) {
      refreshPresence();
    }
  });

  $('chat-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const input = $('chat-text');
    const text = input.value.trim();
    if (!text) return;
    try {
      await publish({ room: state.room, event: 'chat' }, { name: state.name, text });
      input.value = '';
      $('chat-error').textContent = '';
    } catch (err) {
      $('chat-error').textContent = 'Not sent: ' + err.message;
    }
  });

  $('direct-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const to = $('direct-to').value.trim();
    const input = $('direct-text');
    const text = input.value.trim();
    if (!to || !text) return;
    try {
      const result = await publish({ connectionId: to, event: 'direct' }, { from: state.connectionId, name: state.name, text });
      // With several servers ("relayed"), the connection may be on another one: this server can
      // only say the message went out, not whether that server had the connection.
      $('direct-status').textContent = result.queued > 0
        ? 'Delivered to ' + to.slice(0, 8) + '…'
        : result.relayed
          ? 'Sent to ' + to.slice(0, 8) + '… on whichever server holds it.'
          : 'No open connection has that id.';
      if (result.queued > 0 || result.relayed) input.value = '';
    } catch (err) {
      $('direct-status').textContent = 'Not sent: ' + err.message;
    }
  });

  // Switching the ticker joins or leaves the "ticker" room on the open connection.
  $('ticker-on').addEventListener('change', async (e) => {
    const on = e.target.checked;
    try {
      await subscribe(on ? { join: ['ticker'] } : { leave: ['ticker'] });
      $('ticker').dataset.listening = String(on);
    } catch (err) {
      e.target.checked = !on;
    }
  });

  $('copy-id').addEventListener('click', async () => {
    if (!state.connectionId) return;
    try {
      await navigator.clipboard.writeText(state.connectionId);
      $('copy-id').textContent = 'copied';
      setTimeout(() => { $('copy-id').textContent = 'copy'; }, 1500);
    } catch (err) {
      // No clipboard (plain http on another host): the id is selectable text anyway.
    }
  });

  $('name').value = state.name;
  $('room').value = state.room;
  $('room-label').textContent = state.room;
  sendName(state.name).then(connect); // the name first, so that the room lists it from the start
})();
