// The proof-of-work solver of the public report form, run in a Web Worker so the page stays responsive.
// It receives an ALTCHA-style challenge {algorithm, challenge, maxnumber, salt, signature} and answers with the
// number n for which SHA-256(salt + n) is the challenge, or null. SHA-256 is written out here because
// crypto.subtle exists only on https pages and this must work on any intranet address, offline.
"use strict";

var K = [];
var H0 = [];
(function primes() {
  var found = 0;
  for (var candidate = 2; found < 64; candidate++) {
    var prime = true;
    for (var d = 2; d * d <= candidate; d++) if (candidate % d === 0) prime = false;
    if (!prime) continue;
    if (found < 8) H0[found] = (Math.pow(candidate, 1 / 2) % 1) * 4294967296 | 0;
    K[found] = (Math.cbrt(candidate) % 1) * 4294967296 | 0;
    found++;
  }
})();

var w = new Int32Array(64); // the message schedule, reused: the solver hashes many short strings
var h = new Int32Array(8);

function rotr(x, n) {
  return (x >>> n) | (x << (32 - n));
}

// SHA-256 of an ASCII string (the salt is hex and "?expires=", the number digits), as lowercase hex.
function sha256hex(text) {
  var length = text.length;
  var blocks = ((length + 8) >> 6) + 1;
  var words = new Int32Array(blocks * 16);
  for (var i = 0; i < length; i++) words[i >> 2] |= text.charCodeAt(i) << (24 - (i % 4) * 8);
  words[length >> 2] |= 0x80 << (24 - (length % 4) * 8);
  words[blocks * 16 - 1] = length * 8;
  for (var k = 0; k < 8; k++) h[k] = H0[k];
  for (var block = 0; block < blocks; block++) {
    for (var t = 0; t < 64; t++) {
      if (t < 16) {
        w[t] = words[block * 16 + t];
      } else {
        var a15 = w[t - 15], a2 = w[t - 2];
        var s0 = rotr(a15, 7) ^ rotr(a15, 18) ^ (a15 >>> 3);
        var s1 = rotr(a2, 17) ^ rotr(a2, 19) ^ (a2 >>> 10);
        w[t] = (w[t - 16] + s0 + w[t - 7] + s1) | 0;
      }
    }
    var a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
    for (var r = 0; r < 64; r++) {
      var S1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25);
      var ch = (e & f) ^ (~e & g);
      var temp1 = (hh + S1 + ch + K[r] + w[r]) | 0;
      var S0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22);
      var maj = (a & b) ^ (a & c) ^ (b & c);
      var temp2 = (S0 + maj) | 0;
      hh = g; g = f; f = e; e = (d + temp1) | 0;
      d = c; c = b; b = a; a = (temp1 + temp2) | 0;
    }
    h[0] = (h[0] + a) | 0; h[1] = (h[1] + b) | 0; h[2] = (h[2] + c) | 0; h[3] = (h[3] + d) | 0;
    h[4] = (h[4] + e) | 0; h[5] = (h[5] + f) | 0; h[6] = (h[6] + g) | 0; h[7] = (h[7] + hh) | 0;
  }
  var hex = "";
  for (var j = 0; j < 8; j++) hex += ("00000000" + (h[j] >>> 0).toString(16)).slice(-8);
  return hex;
}

self.onmessage = function (event) {
  var task = event.data;
  var found = null;
  if (task.algorithm === "SHA-256") {
    for (var n = 0; n <= task.maxnumber; n++) {
      if (sha256hex(task.salt + n) === task.challenge) {
        found = n;
        break;
      }
    }
  }
  self.postMessage({ number: found });
};
