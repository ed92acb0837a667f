// Reference vectors for Hoarfrost's Uniform Resources, made with Blockchain Commons' reference
// JavaScript implementation, @ngraveio/bc-ur 1.1.13 (which pulls in cbor-sync 1.0.4).
//
// Rerun (from the repository root; the package is installed outside the repository):
//   mkdir -p /tmp/bcur && (cd /tmp/bcur && npm init -y && npm install @ngraveio/bc-ur@1.1.13)
//   NODE_PATH=/tmp/bcur/node_modules node tests/data/ur/generate.js > tests/data/ur/vectors.json
//
// tests/transport.rs reads vectors.json: Hoarfrost's decoder must read these parts (shuffled, some
// dropped), and its encoder must make exactly these parts from the same message and maximum
// fragment length.
'use strict';
const crypto = require('crypto');
const cbor = require('cbor-sync');
const { UR, UREncoder, URDecoder } = require('@ngraveio/bc-ur');
const { chooseFragments } = require('@ngraveio/bc-ur/dist/fountainUtils');
const { getCRC } = require('@ngraveio/bc-ur/dist/utils');

// Deterministic payload bytes: a SHA-256 chain, so the vectors are reproducible.
function payload(length, label) {
  const out = [];
  let block = Buffer.from(label);
  while (out.length < length) {
    block = crypto.createHash('sha256').update(block).digest();
    out.push(...block);
  }
  return Buffer.from(out.slice(0, length));
}

// The reference decoder must read back what the reference encoder made (a sanity check of
// these vectors; the Rust tests check Hoarfrost against them).
function referenceDecodes(parts, cborHex) {
  const decoder = new URDecoder();
  for (const part of parts) {
    decoder.receivePart(part);
    if (decoder.isComplete()) break;
  }
  if (!decoder.isSuccess() || decoder.resultUR().cbor.toString('hex') !== cborHex) {
    throw new Error('the reference decoder did not read its own parts back');
  }
}

function vector(name, urType, message, maxFragmentLength) {
  const ur = new UR(message, urType);
  const encoder = new UREncoder(ur, maxFragmentLength, 0, 10);
  const count = encoder.fragmentsLength;
  // Every fragment, then mixed (fountain) parts: enough to decode with many parts dropped.
  const total = count === 1 ? 1 : 2 * count + 10;
  const parts = [];
  for (let i = 0; i < total; i++) parts.push(encoder.nextPart());
  referenceDecodes(parts, message.toString('hex'));
  // The fragments each part mixes, as the reference chooses them.
  const checksum = getCRC(message);
  const indexes = count === 1 ? [[0]] : parts.map((_, i) => chooseFragments(i + 1, count, checksum));
  return {
    name,
    ur_type: urType,
    max_fragment_length: maxFragmentLength,
    fragment_count: count,
    message_cbor: message.toString('hex'),
    parts,
    indexes,
  };
}

const vectors = [];
// Single payloads: a CBOR byte string, as Hoarfrost sends one message.
for (const length of [1, 9, 23, 24, 100, 241, 256, 1263, 3000]) {
  for (const maxFragmentLength of [10, 17, 42, 175, 1000]) {
    const bytes = payload(length, `payload-${length}`);
    const message = cbor.encode(bytes);
    if (Math.ceil(message.length / maxFragmentLength) > 120) continue;
    vectors.push(vector(`bytes-${length}-max-${maxFragmentLength}`, 'pcli-dkg1', message,
      maxFragmentLength));
  }
}
// The standard `bytes` type, as UR.fromBuffer makes it.
{
  const ur = UR.fromBuffer(payload(500, 'bytes-type'));
  vectors.push(vector('bytes-type-500-max-60', 'bytes', ur.cbor, 60));
}
// A bundle: a CBOR array of [ur-type text, byte string] pairs.
{
  const entries = [
    ['pcli-dkg1', payload(241, 'bundle-a')],
    ['pcli-dkg1', payload(344, 'bundle-b')],
    ['pcli-dkg2', payload(381, 'bundle-c')],
  ];
  const message = cbor.encode(entries);
  const decoded = new UR(message, 'hoarfrost-bundle').decodeCBOR();
  if (decoded.length !== 3 || decoded[2][0] !== 'pcli-dkg2' || !Buffer.isBuffer(decoded[2][1])) {
    throw new Error('the reference CBOR decoder did not read the bundle back');
  }
  vectors.push(vector('bundle-3-max-80', 'hoarfrost-bundle', message, 80));
}

// Hostile parts, made with the reference's own part encoder as an attacker would, each beside
// the message of the vector `target` (a collection of it is under way when they arrive) and
// words its refusal must contain.
const { FountainEncoderPart } = require('@ngraveio/bc-ur/dist/fountainEncoder');
const hostile = [];
{
  const target = vectors.find(v => v.name === 'bytes-1263-max-42');
  const other = vectors.find(v => v.name === 'bytes-3000-max-42');
  const message = Buffer.from(target.message_cbor, 'hex');
  const encoder = new UREncoder(new UR(message, target.ur_type), 42, 0, 10);
  const good = [];
  for (let i = 0; i < 3; i++) good.push(encoder.fountainEncoder.nextPart());
  const { seqLength: count, messageLength: length, checksum } = good[0];
  const fragment = good[1].fragment;
  const make = (name, refusal, seq, seqLength, messageLength, sum, data, header) => {
    const part = new FountainEncoderPart(seq, seqLength, messageLength, sum, data);
    let text = UREncoder.encodePart(target.ur_type, part);
    if (header) text = text.replace(`/${seq}-${seqLength}/`, `/${header}/`);
    hostile.push({ name, refusal, part: text });
  };
  // A mixed part (seq > count) makes a decoder draw a degree among `count` and shuffle `count`
  // fragments: 4 billion of them is a 34 GB allocation, 10 million minutes of work.
  make('claims 4294967294 parts', 'claims 4294967294 parts', 4294967295, 4294967294, length,
    checksum, fragment);
  make('claims 4294967295 parts', 'claims 4294967295 parts', 1, 4294967295, length, checksum,
    fragment);
  make('claims 10 million parts', 'claims 10000000 parts', 10000001, 10000000, length, checksum,
    fragment);
  make('a message of 4 GB', 'a message of 4294967295 bytes', 2, count, 4294967295, checksum,
    fragment);
  make('one past the largest message', 'a message of 1048577 bytes', 2, 1, 1048577, checksum,
    fragment);
  make('sequence number 0', 'sequence number 0', 0, count, length, checksum, fragment);
  make('a fragment too short for its message', 'does not cut', 2, count, length, checksum,
    fragment.slice(0, 20));
  make('a fragment of another length than the earlier parts', 'its earlier parts', 2, count, length,
    checksum, Buffer.concat([fragment, Buffer.from([0])]));
  make('another message length for the same checksum', 'its earlier parts', 2, count, length - 3,
    checksum, fragment);
  make('a header that disagrees with the body', 'body says part 2-', 2, count, length, checksum,
    fragment, `3-${count}`);
  make('the same part with other data', 'contradicts', 1, count, length, checksum,
    Buffer.from(good[0].fragment.map(b => b ^ 1)));
  hostile.push({ name: 'a part of another message', refusal: 'another checksum',
    part: other.parts[0] });
  hostile.target = target.name;
}

process.stdout.write(JSON.stringify({
  generator: '@ngraveio/bc-ur 1.1.13 (tests/data/ur/generate.js)',
  vectors,
  hostile: { target: hostile.target, received_first: 1, parts: hostile },
}, null, 1) + '\n');
