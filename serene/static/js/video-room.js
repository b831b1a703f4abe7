// The session room: a one-to-one WebRTC call. The server's websocket only relays offers, answers and
// ICE candidates between the booking's two participants; media goes browser to browser.
// Negotiation follows the "perfect negotiation" pattern (MDN): the customer is the polite side.
// A fresh peer connection is made whenever the other person (re)connects, so a refresh or a dropped
// network on either side comes back into the same call. When the booking ends (cancelled mid-call,
// say) or the room's window does, the server says why and closes: the page shows it, stops the camera
// and microphone, and does not reconnect.
// A dropped signalling socket is not a dropped call: each stay in the call (Join to Hang up) has an id
// the socket names (?call=), and when the other side comes back with the same id while the media still
// flows, both keep their peer connection. A fresh one would start over at a low bandwidth estimate, and
// so at a quarter of the picture size, growing back over some fifteen seconds.
// Each side tells the other when it turns its camera or microphone off ("media"), so the other shows
// a name in place of a frozen or black picture, and a muted mark.
(() => {
  "use strict";
  const config = JSON.parse(document.getElementById("room-config").textContent);
  const byId = (id) => document.getElementById(id);
  const statusLine = byId("room-status");
  const remoteVideo = byId("remote-video");
  const localVideo = byId("local-video");
  const joinButton = byId("join-button");
  const micButton = byId("mic-button");
  const cameraButton = byId("camera-button");
  const hangupButton = byId("hangup-button");
  const deviceNote = byId("device-note");
  const timeLeft = byId("time-left");
  const joinedKey = `serene-room-joined:${config.roomId}`;
  const peerName = config.peerName;
  const remoteOff = byId("remote-off");
  const remoteMuted = byId("remote-muted");
  const peerNews = byId("peer-news");
  // Sentences may start with the name, which can be "your client".
  const PeerName = peerName.charAt(0).toUpperCase() + peerName.slice(1);

  let localStream = null;
  let socket = null;
  let pc = null;
  let rtc = { iceServers: [], iceTransportPolicy: "all" };
  let polite = false;
  let makingOffer = false;
  let ignoreOffer = false;
  let inCall = false;         // the person pressed Join and has not hung up
  let peerPresent = false;
  let socketFailures = 0;
  let reconnectTimer = null;
  let iceRestartTimer = null;
  let roomOver = false;        // the window ended or the booking left the joinable states: no way back in
  let ticker = null;
  let callId = null;          // this stay in the call, from Join to Hang up
  let peerCall = null;        // the other side's, as last announced
  let pcPeerCall = null;      // the other side's when the current peer connection was made
  let peerMedia = null;       // the other side's camera and microphone, as last told: {camera, microphone}

  function setStatus(text, tone = "") {
    statusLine.textContent = text;
    statusLine.dataset.tone = tone;
  }

  function explain(text) {
    deviceNote.textContent = text;
    deviceNote.hidden = !text;
  }

  // --- camera and microphone ---------------------------------------------------------------------

  function problemWith(error, what) {
    const name = error && error.name;
    if (name === "NotAllowedError" || name === "SecurityError") {
      return `Your browser was not allowed to use your ${what}. To use it, allow it in the site settings (next to the address) and reload this page.`;
    }
    const both = what.includes(" and ");  // "camera and microphone": plural, and "no camera or microphone"
    if (name === "NotFoundError" || name === "OverconstrainedError") {
      return `No ${what.replace(" and ", " or ")} was found on this device.`;
    }
    if (name === "NotReadableError" || name === "AbortError") {
      return `Your ${what} ${both ? "are" : "is"} in use by another app or could not be started. Close the other app and reload this page.`;
    }
    return `Your ${what} could not be started.`;
  }

  async function getMedia() {
    const media = navigator.mediaDevices;
    if (!media || !media.getUserMedia) {
      explain(`This page cannot reach a camera or microphone (it needs a secure https address). You can still join and listen: ${peerName} will not see or hear you.`);
      return new MediaStream();
    }
    try {
      const stream = await media.getUserMedia({ audio: true, video: { width: { ideal: 1280 }, height: { ideal: 720 } } });
      explain("");
      return stream;
    } catch (bothError) {
      let audioError = bothError;
      try {
        const stream = await media.getUserMedia({ audio: true });
        let videoError = bothError;
        try { (await media.getUserMedia({ video: true })).getTracks().forEach((t) => t.stop()); } catch (e) { videoError = e; }
        explain(`${problemWith(videoError, "camera")} You can join with your microphone only: ${peerName} will hear you but not see you.`);
        return stream;
      } catch (e) { audioError = e; }
      try {
        const stream = await media.getUserMedia({ video: true });
        explain(`${problemWith(audioError, "microphone")} You can join with your camera only: ${peerName} will see you but not hear you.`);
        return stream;
      } catch (e) { /* neither works */ }
      explain(`${problemWith(bothError, "camera and microphone")} You can still join and listen: ${peerName} will not see or hear you.`);
      return new MediaStream();
    }
  }

  function showLocal() {
    localVideo.srcObject = localStream;
    localVideo.hidden = localStream.getVideoTracks().length === 0;
    const audio = localStream.getAudioTracks();
    const video = localStream.getVideoTracks();
    micButton.disabled = audio.length === 0;
    cameraButton.disabled = video.length === 0;
    micButton.textContent = audio.length === 0 ? "No microphone" : (audio[0].enabled ? "Mute" : "Unmute");
    cameraButton.textContent = video.length === 0 ? "No camera" : (video[0].enabled ? "Camera off" : "Camera on");
    micButton.setAttribute("aria-pressed", String(audio.length > 0 && !audio[0].enabled));
    cameraButton.setAttribute("aria-pressed", String(video.length > 0 && !video[0].enabled));
  }

  micButton.addEventListener("click", () => {
    localStream.getAudioTracks().forEach((track) => { track.enabled = !track.enabled; });
    showLocal();
    sendMedia();
  });
  cameraButton.addEventListener("click", () => {
    localStream.getVideoTracks().forEach((track) => { track.enabled = !track.enabled; });
    showLocal();
    sendMedia();
  });

  // --- what the other side's camera and microphone are doing --------------------------------------

  function sendMedia() {
    if (!localStream) return;
    send({
      type: "media",
      camera: localStream.getVideoTracks().some((track) => track.enabled && track.readyState === "live"),
      microphone: localStream.getAudioTracks().some((track) => track.enabled && track.readyState === "live"),
    });
  }

  function announce(text) {
    // Emptied first, so the same words said twice are read twice.
    peerNews.textContent = "";
    setTimeout(() => { peerNews.textContent = text; }, 50);
  }

  function onPeerMedia(media) {
    const before = peerMedia;
    peerMedia = { camera: media.camera, microphone: media.microphone };
    showPeerMedia();
    const news = [];
    if (!before) {  // what they had when we met: only what is off is worth saying
      if (!media.camera) news.push(`${PeerName}'s camera is off.`);
      if (!media.microphone) news.push(`${PeerName}'s microphone is muted.`);
    } else {
      if (before.camera !== media.camera) news.push(`${PeerName} turned their camera ${media.camera ? "on" : "off"}.`);
      if (before.microphone !== media.microphone) news.push(`${PeerName} ${media.microphone ? "unmuted" : "muted"} their microphone.`);
    }
    if (news.length) announce(news.join(" "));
  }

  function showPeerMedia() {
    const shown = Boolean(pc && peerMedia);
    remoteOff.hidden = !(shown && !peerMedia.camera);
    remoteMuted.hidden = !(shown && !peerMedia.microphone);
  }

  function forgetPeerMedia() {
    peerMedia = null;
    showPeerMedia();
  }

  // --- the peer connection (perfect negotiation) -------------------------------------------------

  function send(message) {
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
  }

  function closePeerConnection() {
    clearTimeout(iceRestartTimer);
    if (pc) {
      pc.onnegotiationneeded = pc.onicecandidate = pc.ontrack = pc.onconnectionstatechange = null;
      pc.oniceconnectionstatechange = null;
      pc.close();
      pc = null;
    }
    remoteVideo.srcObject = null;
    makingOffer = false;
    ignoreOffer = false;
    pcPeerCall = null;
    showPeerMedia();
  }

  function newPeerConnection() {
    closePeerConnection();
    pc = new RTCPeerConnection(rtc);
    pcPeerCall = peerCall;
    const remoteStream = new MediaStream();
    const connection = pc;
    connection.ontrack = ({ track }) => {
      remoteStream.addTrack(track);
      if (remoteVideo.srcObject !== remoteStream) remoteVideo.srcObject = remoteStream;
      playRemote();
    };
    connection.onicecandidate = ({ candidate }) => send({ type: "ice", candidate: candidate ? candidate.toJSON() : null });
    connection.onnegotiationneeded = async () => {
      try {
        makingOffer = true;
        await connection.setLocalDescription();
        if (connection === pc) send({ type: "offer", description: connection.localDescription.toJSON() });
      } catch (error) {
        console.warn("offer failed", error);
      } finally {
        makingOffer = false;
      }
    };
    connection.onconnectionstatechange = () => {
      if (connection !== pc) return;
      // Kept after their socket dropped, but the media has failed too: they have really gone. (Not on
      // "disconnected", which a busy machine shows for a moment: both sides must keep the same one.)
      if (!peerPresent && connection.connectionState === "failed") {
        peerGone();
        return;
      }
      showConnection();
    };
    connection.oniceconnectionstatechange = () => {
      if (connection !== pc) return;
      clearTimeout(iceRestartTimer);
      if (connection.iceConnectionState === "failed") connection.restartIce();
      if (connection.iceConnectionState === "disconnected") {
        // A network blip often heals by itself; if not, look for a new path.
        iceRestartTimer = setTimeout(() => { if (connection === pc) connection.restartIce(); }, 4000);
      }
      showConnection();
    };
    localStream.getTracks().forEach((track) => connection.addTrack(track, localStream));
    if (!polite) {
      // The offering side asks for both kinds even without a camera or microphone, so a listener
      // still receives; the polite side's tracks join the m-lines of this offer.
      ["audio", "video"].forEach((kind) => {
        if (!localStream.getTracks().some((track) => track.kind === kind)) connection.addTransceiver(kind, { direction: "recvonly" });
      });
    }
    showConnection();
    showPeerMedia();
  }

  function startWithPeer() {
    // Only the impolite side opens the negotiation, so a fresh call never starts with crossed offers
    // (which some browsers recover from slowly); the polite side makes its connection on the offer.
    // Later renegotiations (an ICE restart) may come from either side: perfect negotiation copes.
    peerPresent = true;
    if (polite) {
      closePeerConnection();
      showConnection();
    } else {
      newPeerConnection();
    }
  }

  // An SDP's session id (its o= line): a new peer connection on the other side has a new one.
  const sessionOf = (description) => ((description && description.sdp) || "").match(/^o=\S+ (\S+)/m)?.[1] || null;

  function alive(connection) {
    return Boolean(connection) && !["failed", "closed"].includes(connection.connectionState);
  }

  async function onDescription(description) {
    if (pc && description.type === "offer" && pc.remoteDescription
        && sessionOf(description) !== sessionOf(pc.remoteDescription)) {
      newPeerConnection();  // they started afresh while this side kept the old connection
    }
    if (!pc) {
      if (description.type !== "offer") return;  // an answer to a connection since closed
      newPeerConnection();
    }
    const connection = pc;
    const offerCollision = description.type === "offer" && (makingOffer || connection.signalingState !== "stable");
    ignoreOffer = !polite && offerCollision;
    if (ignoreOffer) return;
    await connection.setRemoteDescription(description);  // a polite side rolls its own offer back here
    if (description.type === "offer") {
      await connection.setLocalDescription();
      send({ type: "answer", description: connection.localDescription.toJSON() });
    }
  }

  async function onCandidate(candidate) {
    if (!pc) return;
    try {
      await pc.addIceCandidate(candidate || undefined);
    } catch (error) {
      if (!ignoreOffer) console.warn("ICE candidate refused", error);
    }
  }

  function playRemote() {
    const playing = remoteVideo.play();
    if (playing && playing.catch) {
      playing.catch(() => {
        // The browser wants a tap before playing sound (after a reload, say): play muted until then.
        remoteVideo.muted = true;
        remoteVideo.play().catch(() => {});
        explain(`Your browser paused ${peerName}'s sound. Tap anywhere on the page to hear them.`);
        document.addEventListener("click", () => { remoteVideo.muted = false; explain(""); }, { once: true });
      });
    }
  }

  function showConnection() {
    if (!inCall) return;
    if (roomOver) return;  // leave() or endForGood() said why
    if (!socket || socket.readyState !== WebSocket.OPEN) { setStatus("Reconnecting…", "warn"); return; }
    if (!peerPresent && pc) { setStatus(`Waiting for ${peerName} to reconnect…`, "waiting"); return; }
    if (!peerPresent) { setStatus(`Waiting for ${peerName} to join.`, "waiting"); return; }
    const state = pc ? pc.connectionState : "new";
    if (state === "connected") setStatus("Connected", "ok");
    else if (state === "disconnected" || state === "failed") setStatus("Reconnecting…", "warn");
    else setStatus(`Connecting to ${peerName}…`, "waiting");
  }

  // --- the signalling socket ---------------------------------------------------------------------

  function openSocket() {
    clearTimeout(reconnectTimer);
    const scheme = window.location.protocol === "https:" ? "wss" : "ws";
    const ws = new WebSocket(`${scheme}://${window.location.host}${config.socketPath}?call=${callId}`);
    socket = ws;
    let opened = false;
    ws.onopen = () => { opened = true; socketFailures = 0; showConnection(); };
    ws.onmessage = (event) => {
      if (ws !== socket) return;
      let message;
      try { message = JSON.parse(event.data); } catch (e) { return; }
      if (window.sereneRoomDebug) console.debug("room <-", message.type, pc && pc.signalingState);
      handle(message).catch((error) => console.warn("signalling message failed", message.type, error));
    };
    ws.onclose = (event) => {
      if (ws !== socket) return;
      socket = null;
      if (!inCall) return;
      if (event.code === 4409) {
        inCall = false;
        closePeerConnection();
        localStream.getTracks().forEach((track) => track.stop());  // the camera is the other tab's now
        setStatus("You opened this call in another tab or window, so it continues there.", "ended");
        showJoin("Continue here");
        return;
      }
      if (event.code === 4410 || roomOver) {
        endForGood("The session's time is over, and the room has closed.");
        return;
      }
      if (event.code === 4411) {  // the "ended" message that names the reason comes first; this is a fallback
        endForGood("This session has ended, so the call is over.");
        return;
      }
      if (!opened) socketFailures += 1;
      const wait = Math.min(500 * 2 ** socketFailures, 8000);
      setStatus(socketFailures > 4 ? "Cannot reach Serene. Still trying…" : "Reconnecting…", "warn");
      reconnectTimer = setTimeout(openSocket, wait);
    };
  }

  async function handle(message) {
    switch (message.type) {
      case "welcome":
        polite = Boolean(message.polite);
        rtc = message.rtc || rtc;
        showConnection();
        break;
      case "peer-joined":   // they arrived (or came back)
      case "peer-present":  // we arrived and they were here
        peerCall = message.peerCall || null;
        if (alive(pc) && peerCall && peerCall === pcPeerCall) {
          // Only a socket dropped and came back (theirs or ours): the call itself went on.
          peerPresent = true;
          showConnection();
        } else {
          forgetPeerMedia();
          startWithPeer();
        }
        sendMedia();
        break;
      case "peer-left":
        peerPresent = false;
        if (!message.hungUp && alive(pc)) {
          showConnection();  // their socket dropped; the media may still flow, so wait a while for them
        } else {
          peerGone();
        }
        break;
      case "media":
        onPeerMedia(message);
        break;
      case "offer":
      case "answer":
        await onDescription(message.description);
        break;
      case "ice":
        await onCandidate(message.candidate);
        break;
      case "replaced":
        break;  // the close that follows (4409) says it
      case "closed":
        roomOver = true;
        break;
      case "ended":  // the booking left the joinable states (cancelled, say): the close follows
        endForGood(message.message || "This session has ended, so the call is over.");
        break;
      default:
        break;
    }
  }

  function peerGone() {
    closePeerConnection();
    forgetPeerMedia();
    if (inCall && !roomOver) setStatus(`${PeerName} left the call. Waiting for them to join again.`, "waiting");
  }

  // --- joining and leaving -----------------------------------------------------------------------

  function showJoin(label) {
    joinButton.textContent = label;
    joinButton.hidden = false;
    joinButton.disabled = false;
    hangupButton.hidden = true;
    micButton.hidden = cameraButton.hidden = !localStream;
  }

  async function join() {
    joinButton.disabled = true;
    if (!localStream || localStream.getTracks().every((track) => track.readyState === "ended")) {
      localStream = await getMedia();
      showLocal();
    }
    inCall = true;
    peerPresent = false;
    callId = newCallId();
    sessionStorage.setItem(joinedKey, "1");
    joinButton.hidden = true;
    micButton.hidden = cameraButton.hidden = hangupButton.hidden = false;
    setStatus("Joining…", "waiting");
    openSocket();
  }

  function newCallId() {
    const bytes = new Uint8Array(12);
    crypto.getRandomValues(bytes);
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  function leave(text) {
    inCall = false;
    peerPresent = false;
    forgetPeerMedia();
    clearTimeout(reconnectTimer);
    send({ type: "bye" });
    const ws = socket;
    socket = null;
    if (ws) ws.close(1000);
    closePeerConnection();
    if (localStream) localStream.getTracks().forEach((track) => track.stop());
    localStream = null;
    localVideo.srcObject = null;
    sessionStorage.removeItem(joinedKey);
    setStatus(text, "ended");
    if (!roomOver) showJoin("Rejoin the call");
    else { joinButton.hidden = true; hangupButton.hidden = micButton.hidden = cameraButton.hidden = true; }
  }

  // The room will not open again: say why, release the camera and microphone, offer no way back in.
  function endForGood(text) {
    roomOver = true;
    clearInterval(ticker);
    timeLeft.textContent = "";
    timeLeft.hidden = true;
    leave(text);
    localVideo.hidden = true;
  }

  // A closed tab or a reload hangs up at once, so the other side does not wait on a kept connection.
  window.addEventListener("pagehide", () => { if (inCall) send({ type: "bye" }); });
  joinButton.addEventListener("click", () => join());
  hangupButton.addEventListener("click", () => leave("You left the call."));

  // --- time left ---------------------------------------------------------------------------------

  const endsAt = Date.parse(config.endsAt);
  const closesAt = Date.parse(config.closesAt);
  const pad = (n) => String(n).padStart(2, "0");
  function tick() {
    const now = Date.now();
    const seconds = Math.max(0, Math.round((endsAt - now) / 1000));
    if (now >= closesAt) timeLeft.textContent = "The room has closed";
    else if (seconds === 0) timeLeft.textContent = "Time is up";
    else if (seconds >= 3600) timeLeft.textContent = `${Math.floor(seconds / 3600)}:${pad(Math.floor((seconds % 3600) / 60))}:${pad(seconds % 60)} left`;
    else timeLeft.textContent = `${pad(Math.floor(seconds / 60))}:${pad(seconds % 60)} left`;
  }
  tick();
  ticker = setInterval(tick, 1000);

  // For the browser tests and for support: what the call is doing right now.
  window.sereneRoom = {
    get pc() { return pc; },
    get socket() { return socket; },
    async framesDecoded() {
      if (!pc) return 0;
      let frames = 0;
      (await pc.getStats()).forEach((report) => {
        if (report.type === "inbound-rtp" && report.kind === "video") frames = report.framesDecoded || 0;
      });
      return frames;
    },
    // The size of the last frame received and sent, and why the sender is scaling down ("bandwidth", "cpu").
    async frameSizes() {
      const sizes = { received: null, sent: null, limitation: null };
      if (!pc) return sizes;
      (await pc.getStats()).forEach((report) => {
        if (report.kind !== "video") return;
        if (report.type === "inbound-rtp" && report.frameWidth) sizes.received = [report.frameWidth, report.frameHeight];
        if (report.type === "outbound-rtp" && report.frameWidth) {
          sizes.sent = [report.frameWidth, report.frameHeight];
          sizes.limitation = report.qualityLimitationReason;
        }
      });
      return sizes;
    },
    async candidatePairType() {
      if (!pc) return null;
      const stats = await pc.getStats();
      let pair = null;
      stats.forEach((report) => { if (report.type === "candidate-pair" && report.nominated && report.state === "succeeded") pair = report; });
      if (!pair) return null;
      const local = stats.get(pair.localCandidateId);
      return local ? local.candidateType : null;
    },
  };

  // --- start: preview first, then join (at once after a reload during the call) --------------------

  (async () => {
    localStream = await getMedia();
    showLocal();
    micButton.hidden = cameraButton.hidden = false;
    if (sessionStorage.getItem(joinedKey)) {
      join();
    } else {
      setStatus(`Check your camera and microphone, then join. ${PeerName} sees when you are in.`);
      joinButton.disabled = false;
    }
  })();
})();
