/**
 * `GET /discovery`: a Google API discovery document for fleet v1, as fleet
 * served from `schema/v1.json` (hand-written here, covering the same
 * resources, methods and schemas; `rootUrl` is the literal `$ENDPOINT/`
 * fleet's clients substitute).
 */
import type { ApiContext } from './context.js';
import { json, type Reply } from './reply.js';
import type { ApiRequest } from './request.js';

const str = { type: 'string' };
const pageToken = { nextPageToken: { type: 'string', location: 'query' } };
const ref = (name: string) => ({ $ref: name });

/** The discovery document (a constant; fleet's `$ENDPOINT` placeholder kept). */
export const DISCOVERY_DOCUMENT = Object.freeze({
  kind: 'discovery#restDescription',
  discoveryVersion: 'v1',
  id: 'fleet:v1',
  name: 'schema',
  version: 'v1',
  title: 'fleet API',
  description: 'Manage your cluster of systemd hosts with fleet.',
  documentationLink: 'https://github.com/coreos/fleet/blob/master/Documentation/api-v1.md',
  protocol: 'rest',
  icons: { x16: '', x32: '' },
  labels: [],
  baseUrl: '$ENDPOINT/fleet/v1/',
  basePath: '/fleet/v1/',
  rootUrl: '$ENDPOINT/',
  servicePath: 'fleet/v1/',
  batchPath: 'batch',
  parameters: {},
  auth: {},
  schemas: {
    Machine: { id: 'Machine', type: 'object', properties: { id: str, primaryIP: str, metadata: { type: 'object', properties: {}, additionalProperties: str } } },
    MachinePage: { id: 'MachinePage', type: 'object', properties: { machines: { type: 'array', items: ref('Machine') }, nextPageToken: str } },
    UnitOption: { id: 'UnitOption', type: 'object', properties: { section: str, name: str, value: str } },
    Unit: {
      id: 'Unit',
      type: 'object',
      properties: {
        name: str,
        options: { type: 'array', items: ref('UnitOption') },
        desiredState: { type: 'string', enum: ['inactive', 'loaded', 'launched'] },
        currentState: { type: 'string', enum: ['inactive', 'loaded', 'launched'] },
        machineID: { type: 'string', required: true },
      },
    },
    UnitPage: { id: 'UnitPage', type: 'object', properties: { units: { type: 'array', items: ref('Unit') }, nextPageToken: str } },
    UnitState: {
      id: 'UnitState',
      type: 'object',
      properties: { name: str, hash: str, machineID: str, systemdLoadState: str, systemdActiveState: str, systemdSubState: str },
    },
    UnitStatePage: { id: 'UnitStatePage', type: 'object', properties: { states: { type: 'array', items: ref('UnitState') }, nextPageToken: str } },
  },
  resources: {
    Machines: {
      methods: {
        List: { id: 'fleet.Machine.List', description: 'Retrieve a page of Machine objects.', httpMethod: 'GET', path: 'machines', parameters: pageToken, response: ref('MachinePage') },
      },
    },
    Units: {
      methods: {
        List: { id: 'fleet.Unit.List', description: 'Retrieve a page of Unit objects.', httpMethod: 'GET', path: 'units', parameters: pageToken, response: ref('UnitPage') },
        Get: {
          id: 'fleet.Unit.Get',
          description: 'Retrieve a single Unit object.',
          httpMethod: 'GET',
          path: 'units/{unitName}',
          parameters: { unitName: { type: 'string', location: 'path', required: true } },
          parameterOrder: ['unitName'],
          response: ref('Unit'),
        },
        Delete: {
          id: 'fleet.Unit.Delete',
          description: 'Delete the referenced Unit object.',
          httpMethod: 'DELETE',
          path: 'units/{unitName}',
          parameters: { unitName: { type: 'string', location: 'path', required: true } },
          parameterOrder: ['unitName'],
        },
        Set: {
          id: 'fleet.Unit.Set',
          description: 'Create or update a Unit.',
          httpMethod: 'PUT',
          path: 'units/{unitName}',
          parameters: { unitName: { type: 'string', location: 'path', required: true } },
          parameterOrder: ['unitName'],
          request: ref('Unit'),
        },
      },
    },
    UnitState: {
      methods: {
        List: {
          id: 'fleet.UnitState.List',
          description: 'Retrieve a page of UnitState objects.',
          httpMethod: 'GET',
          path: 'state',
          parameters: { ...pageToken, unitName: { type: 'string', location: 'query' }, machineID: { type: 'string', location: 'query' } },
          response: ref('UnitStatePage'),
        },
      },
    },
  },
});

/** `GET /discovery` (any other method is 400 with fleet's message, by the route table). */
export async function discovery(_req: ApiRequest, _ctx: ApiContext): Promise<Reply> {
  return json(200, DISCOVERY_DOCUMENT);
}
