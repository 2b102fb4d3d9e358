import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deviceAppIdentity, parseOsString, parseUserAgent } from './user-agent.js';

test('parseUserAgent: common EAS clients', () => {
  const cases: Array<[string | null, ReturnType<typeof parseUserAgent>]> = [
    ['Outlook-iOS-Android/1.0', { family: 'Outlook-iOS-Android', version: '1.0' }],
    ['Apple-iPhone9C1/1602.92', { family: 'Apple-iPhone9C1', version: '1602.92' }],
    [
      'Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.13426; Pro)',
      { family: 'Microsoft Office', version: '16.0' },
    ],
    [
      'Android-Mail/2023.10.15.574367440.Release',
      { family: 'Android-Mail', version: '2023.10.15.574367440.Release' },
    ],
    ['  Thunderbird  ', { family: 'Thunderbird', version: null }],
    ['/1.0', { family: '/1.0', version: null }],
    ['X/', { family: 'X', version: null }],
    ['', null],
    [null, null],
  ];
  for (const [input, want] of cases) assert.deepEqual(parseUserAgent(input), want, String(input));
});

test('parseOsString: OS strings from DeviceInformation', () => {
  assert.deepEqual(parseOsString('iOS 17.4.1 21E236'), { family: 'iOS', version: '17.4.1' });
  assert.deepEqual(parseOsString('Android 14.0.0'), { family: 'Android', version: '14.0.0' });
  assert.deepEqual(parseOsString('Outlook for iOS and Android 1.0'), {
    family: 'Outlook for iOS and Android',
    version: '1.0',
  });
  assert.deepEqual(parseOsString('WINDOWS'), { family: 'WINDOWS', version: null });
  assert.equal(parseOsString('   '), null);
});

test('parsers survive hostile input', () => {
  const long = 'A/'.repeat(100_000);
  assert.equal(parseUserAgent(long)?.family, 'A');
  assert.ok(parseOsString('x '.repeat(100_000) + '1.2'));
  assert.deepEqual(deviceAppIdentity(null, 'iOS 17.0'), { family: 'iOS', version: '17.0' });
  assert.equal(deviceAppIdentity(null, null), null);
});
