import { defineConfig } from 'drizzle-kit';

// `npm run db:generate` writes a new migration under ./migrations from ./src/storage/schema.ts.
export default defineConfig({
  schema: './src/storage/schema.ts',
  out: './migrations',
  dialect: 'postgresql',
});
