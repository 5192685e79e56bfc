import { describe, expect, it } from 'vitest';
import { exempt, proxyVariable, type ProxyVariables } from '../../../src/rules/proxy.js';

describe('proxy variables', () => {
  it.each<[string, ProxyVariables, 'https_proxy' | 'http_proxy' | 'no_proxy', string | undefined]>([
    ['unset', {}, 'https_proxy', undefined],
    ['upper case only', { HTTPS_PROXY: 'http://p:3128' }, 'https_proxy', 'http://p:3128'],
    ['lower case only', { https_proxy: 'http://p:3128' }, 'https_proxy', 'http://p:3128'],
    ['lower case wins', { https_proxy: 'http://lower', HTTPS_PROXY: 'http://upper' }, 'https_proxy', 'http://lower'],
    ['trimmed', { http_proxy: '  http://p:3128 \n' }, 'http_proxy', 'http://p:3128'],
    ['empty counts as unset', { http_proxy: '' }, 'http_proxy', undefined],
    ['blank counts as unset', { NO_PROXY: ' \t ' }, 'no_proxy', undefined],
    // Set but empty in lower case: unset, even with an upper-case value (as curl reads it).
    ['empty lower case hides upper case', { no_proxy: '', NO_PROXY: 'example.com' }, 'no_proxy', undefined],
    ['another variable is not read', { HTTP_PROXY: 'http://p' }, 'https_proxy', undefined],
  ])('%s', (_name, env, name, expected) => {
    expect(proxyVariable(env, name)).toBe(expected);
  });
});

describe('NO_PROXY', () => {
  it.each<[string, string, boolean]>([
    ['https://cloud.mongodb.com', '', false],
    ['https://cloud.mongodb.com', '*', true],
    ['https://cloud.mongodb.com', ' * ', true],
    ['https://cloud.mongodb.com', '*,example.com', false],
    ['https://cloud.mongodb.com', 'cloud.mongodb.com', true],
    ['https://cloud.mongodb.com', 'CLOUD.MongoDB.com', true],
    ['https://Cloud.MongoDB.com', 'cloud.mongodb.com', true],
    ['https://cloud.mongodb.com', 'mongodb.com', true],
    ['https://cloud.mongodb.com', '.mongodb.com', true],
    ['https://cloud.mongodb.com', '*.mongodb.com', true],
    ['https://mongodb.com', '.mongodb.com', true],
    ['https://cloud.mongodb.com', 'godb.com', false],
    ['https://cloud.mongodb.com', 'cloud.mongodb.co', false],
    ['https://cloud.mongodb.com', 'example.com,cloud.mongodb.com', true],
    ['https://cloud.mongodb.com', 'example.com cloud.mongodb.com', true],
    ['https://cloud.mongodb.com', 'example.com, ,cloud.mongodb.com', true],
    ['https://cloud.mongodb.com', 'example.com', false],
    ['https://cloud.mongodb.com.', 'example.com,,', false],
    ['https://cloud.mongodb.com.', ' example.com', false],
    ['https://cloud.mongodb.com.', 'cloud.mongodb.com.', true],
    ['https://cloud.mongodb.com', 'cloud.mongodb.com:443x', false],
    ['https://cloud.mongodb.com', 'cloud.mongodb.com:443', true],
    ['https://cloud.mongodb.com', 'cloud.mongodb.com:8443', false],
    ['https://cloud.mongodb.com:8443', 'cloud.mongodb.com:8443', true],
    ['https://cloud.mongodb.com:8443', 'cloud.mongodb.com', true],
    ['http://atlas.internal', 'atlas.internal:80', true],
    ['http://atlas.internal', 'atlas.internal:443', false],
    ['https://10.0.0.7', '10.0.0.7', true],
    ['https://10.0.0.7', '10.0.0.70', false],
    ['https://[2001:db8::1]', '[2001:db8::1]', true],
    ['https://[2001:db8::1]:8443', '[2001:db8::1]:8443', true],
    ['https://[2001:db8::1]', '[2001:db8::2]', false],
  ])('%s with NO_PROXY=%j: exempt %s', (target, noProxy, expected) => {
    expect(exempt(new URL(target), noProxy)).toBe(expected);
  });
});
