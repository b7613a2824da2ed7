// Checks an inclusion proof in the browser, from the values the page shows (the leaf, the
// path, the signed checkpoint and the log's public key), with WebCrypto alone: the checkpoint
// note's Ed25519 signature by the log's key (C2SP signed note), the leaf hashed along the
// path into the checkpoint's root (RFC 9162 §2.1.3.2, leaf = SHA-256(0x00 || leaf), node =
// SHA-256(0x01 || left || right)), and the leaf naming the event. The verdict is written into
// the page's live region; the server's own verdict stands above it for a page without script.
"use strict";

(function () {
  const encoder = new TextEncoder();

  function fromBase64(text) {
    const binary = atob(text.trim());
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i += 1) bytes[i] = binary.charCodeAt(i);
    return bytes;
  }

  function concat(...parts) {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) { out.set(p, at); at += p.length; }
    return out;
  }

  function equal(a, b) {
    if (a.length !== b.length) return false;
    let diff = 0;
    for (let i = 0; i < a.length; i += 1) diff |= a[i] ^ b[i];
    return diff === 0;
  }

  function hex(bytes) {
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  async function sha256(bytes) {
    return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  }

  const leafHash = (leaf) => sha256(concat(Uint8Array.of(0), leaf));
  const nodeHash = (left, right) => sha256(concat(Uint8Array.of(1), left, right));

  // RFC 9162 §2.1.3.2: the root the path leads to from leaf `index` of a tree of `size`
  // leaves, or null when the path has the wrong length.
  async function rootFromPath(index, size, hash, path) {
    if (index >= size) return null;
    let fn = index;
    let sn = size - 1;
    let r = hash;
    for (const p of path) {
      if (sn === 0) return null;
      if (fn % 2 === 1 || fn === sn) {
        r = await nodeHash(p, r);
        if (fn % 2 === 0) {
          do { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); } while (fn % 2 === 0 && fn !== 0);
        }
      } else {
        r = await nodeHash(r, p);
      }
      fn = Math.floor(fn / 2);
      sn = Math.floor(sn / 2);
    }
    return sn === 0 ? r : null;
  }

  class Failed extends Error {}

  // A C2SP verifier key: name+hex key id+base64(0x01 || Ed25519 public key).
  async function logKey(vkey) {
    // The base64 may hold "+" itself: only the first two separate the parts.
    const text = vkey.trim();
    const first = text.indexOf("+");
    const second = text.indexOf("+", first + 1);
    if (first < 1 || second < 0) throw new Failed("malformed");
    const name = text.slice(0, first);
    const keyId = text.slice(first + 1, second);
    const encoded = text.slice(second + 1);
    const raw = fromBase64(encoded);
    if (raw.length !== 33 || raw[0] !== 1) throw new Failed("malformed");
    const publicKey = raw.slice(1);
    const id = (await sha256(concat(encoder.encode(name + "\n"), raw))).slice(0, 4);
    if (hex(id) !== keyId) throw new Failed("malformed");
    return { name, id, publicKey };
  }

  async function signatureVerifies(note, key) {
    const cut = note.lastIndexOf("\n\n");
    if (cut < 0) throw new Failed("malformed");
    const text = note.slice(0, cut + 1);
    const prefix = "\u2014 " + key.name + " ";
    for (const line of note.slice(cut + 2).split("\n")) {
      if (!line.startsWith(prefix)) continue;
      const blob = fromBase64(line.slice(prefix.length));
      if (blob.length !== 4 + 64 || !equal(blob.slice(0, 4), key.id)) continue;
      const publicKey = await crypto.subtle.importKey(
        "raw", key.publicKey, { name: "Ed25519" }, false, ["verify"]);
      const ok = await crypto.subtle.verify(
        { name: "Ed25519" }, publicKey, blob.slice(4), encoder.encode(text));
      return ok ? text : null;
    }
    return null;
  }

  async function verify(section) {
    const eventId = section.dataset.eventId;
    const index = Number(section.dataset.logIndex);
    const size = Number(section.dataset.treeSize);
    const keyText = document.getElementById("proof-key");
    if (!keyText) throw new Failed("signature");
    const key = await logKey(keyText.textContent);
    const note = document.getElementById("proof-note").textContent;
    const text = await signatureVerifies(note, key);
    if (text === null) throw new Failed("signature");
    const lines = text.slice(0, -1).split("\n");
    if (lines.length < 3 || Number(lines[1]) !== size) throw new Failed("path");
    const root = fromBase64(lines[2]);
    const leaf = fromBase64(document.getElementById("proof-leaf").textContent);
    let envelope;
    try {
      envelope = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(leaf));
    } catch (error) {
      throw new Failed("leaf");
    }
    if (envelope.event_id !== eventId || envelope.log_index !== index) throw new Failed("leaf");
    const path = Array.from(
      document.querySelectorAll("#proof-path code"), (c) => fromBase64(c.textContent));
    const reached = await rootFromPath(index, size, await leafHash(leaf), path);
    if (reached === null || !equal(reached, root)) throw new Failed("path");
  }

  function say(region, strong, rest) {
    const p = document.createElement("p");
    const s = document.createElement("strong");
    s.textContent = strong;
    p.append(s);
    if (rest) p.append(": " + rest);
    region.replaceChildren(p);
  }

  async function run() {
    const section = document.getElementById("proof");
    const region = document.getElementById("browser-verdict");
    if (!section || !region) return;
    const words = region.dataset;
    region.classList.remove("verdict-ok", "verdict-bad");
    say(region, words.checking, "");
    try {
      await verify(section);
      say(region, words.verified, words.verifiedDetail);
      region.classList.add("verdict-ok");
    } catch (error) {
      region.classList.add("verdict-bad");
      if (error instanceof Failed) {
        const reason = {
          leaf: words.reasonLeaf, path: words.reasonPath,
          signature: words.reasonSignature, malformed: words.reasonMalformed,
        }[error.message];
        say(region, words.notVerified, reason);
      } else if (error && (error.name === "NotSupportedError" || !window.crypto || !crypto.subtle)) {
        say(region, words.notVerified, words.unsupported);
      } else {
        say(region, words.notVerified, words.reasonMalformed);
      }
    }
  }

  function start() {
    const button = document.getElementById("proof-check");
    if (button) {
      button.hidden = false;
      button.addEventListener("click", run);
    }
    run();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
