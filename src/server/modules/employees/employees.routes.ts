import { z } from 'zod';
import { IdParams } from '../../../contracts/common.ts';
import { Employee, EmployeeCreateBody, EmployeeUpdateBody } from '../../../contracts/employees.ts';
import type { App, AppDeps } from '../../deps.ts';
import { createEmployee, getEmployee, listEmployees, updateEmployee } from './employees.service.ts';

export async function employeesRoutes(app: App, deps: AppDeps) {
  const { db } = deps.database;
  const tags = ['Employees'];

  app.get('/api/employees', {
    config: { access: 'employees.read' },
    schema: { tags, summary: 'List employees', response: { 200: z.array(Employee) } },
    handler: (request) => listEmployees(db, request.ctx),
  });
  app.post('/api/employees', {
    config: { access: 'employees.write' },
    schema: { tags, summary: 'Create an employee', body: EmployeeCreateBody, response: { 201: Employee } },
    handler: async (request, reply) =>
      reply.status(201).send(await createEmployee(db, request.ctx, request.body)),
  });
  app.get('/api/employees/:id', {
    config: { access: 'employees.read' },
    schema: { tags, summary: 'Read an employee', params: IdParams, response: { 200: Employee } },
    handler: (request) => getEmployee(db, request.ctx, request.params.id),
  });
  app.patch('/api/employees/:id', {
    config: { access: 'employees.write' },
    schema: {
      tags,
      summary: 'Change an employee',
      params: IdParams,
      body: EmployeeUpdateBody,
      response: { 200: Employee },
    },
    handler: (request) => updateEmployee(db, request.ctx, request.params.id, request.body),
  });
}
