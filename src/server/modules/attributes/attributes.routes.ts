import { z } from 'zod';
import {
  AttributeCreateBody,
  AttributeDefinition,
  AttributeDefinitionList,
  AttributeListQuery,
  AttributeUpdateBody,
} from '../../../contracts/attributes.ts';
import { ErrorBody, IdParams } from '../../../contracts/common.ts';
import type { App, AppDeps } from '../../deps.ts';
import {
  archiveAttribute,
  createAttribute,
  getAttribute,
  listAttributes,
  updateAttribute,
} from './attributes.service.ts';

export async function attributesRoutes(app: App, deps: AppDeps) {
  const { db } = deps.database;
  const tags = ['Custom attributes'];
  const readers = 'Needs `accounts.read`, `contacts.read` or `settings.read`.';

  app.get('/api/attributes', {
    config: { access: 'employee' },
    schema: {
      tags,
      summary: 'List custom attribute definitions by entity and position',
      description: `Active ones, or with \`archived=true\` the archived ones. ${readers}`,
      querystring: AttributeListQuery,
      response: { 200: AttributeDefinitionList, 403: ErrorBody },
    },
    handler: (request) => listAttributes(db, request.ctx, request.query),
  });

  app.post('/api/attributes', {
    config: { access: 'settings.write' },
    schema: {
      tags,
      summary: 'Define a custom attribute of accounts or contacts',
      description:
        'A key already used by an active attribute of the entity is 409. Re-creating an archived key restores ' +
        'it with its stored values (409 with a `count` when they do not fit the new definition). ' +
        'select and multiselect need options (422).',
      body: AttributeCreateBody,
      response: { 201: AttributeDefinition, 409: ErrorBody, 422: ErrorBody },
    },
    handler: async (request, reply) =>
      reply.status(201).send(await createAttribute(db, request.ctx, request.body)),
  });

  app.get('/api/attributes/:id', {
    config: { access: 'employee' },
    schema: {
      tags,
      summary: 'Read a custom attribute definition',
      description: readers,
      params: IdParams,
      response: { 200: AttributeDefinition, 403: ErrorBody, 404: ErrorBody },
    },
    handler: (request) => getAttribute(db, request.ctx, request.params.id),
  });

  app.patch('/api/attributes/:id', {
    config: { access: 'settings.write' },
    schema: {
      tags,
      summary: 'Change a custom attribute definition',
      description:
        'The key and entity stay. A type change or an option removal that stored values do not fit is ' +
        'refused with 409, its `details[0].count` the number of records concerned: nothing stored is lost.',
      params: IdParams,
      body: AttributeUpdateBody,
      response: { 200: AttributeDefinition, 404: ErrorBody, 409: ErrorBody, 422: ErrorBody },
    },
    handler: (request) => updateAttribute(db, request.ctx, request.params.id, request.body),
  });

  app.delete('/api/attributes/:id', {
    config: { access: 'settings.write' },
    schema: {
      tags,
      summary: 'Archive a custom attribute',
      description:
        'Its values stay stored but are no longer read or asked for; POST the same key to restore it.',
      params: IdParams,
      response: { 204: z.null(), 404: ErrorBody },
    },
    handler: async (request, reply) => {
      await archiveAttribute(db, request.ctx, request.params.id);
      return reply.status(204).send(null);
    },
  });
}
