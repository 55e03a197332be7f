-- Stand-ins for uuid-ossp, on PostgreSQL's core gen_random_uuid(), for a shadow server without it
-- (the embedded one): `DEFAULT uuid_generate_v4()` replays. v1 is random too here.
CREATE OR REPLACE FUNCTION uuid_generate_v4() RETURNS uuid LANGUAGE sql VOLATILE AS $$ SELECT gen_random_uuid() $$;
CREATE OR REPLACE FUNCTION uuid_generate_v1() RETURNS uuid LANGUAGE sql VOLATILE AS $$ SELECT gen_random_uuid() $$;
CREATE OR REPLACE FUNCTION uuid_generate_v1mc() RETURNS uuid LANGUAGE sql VOLATILE AS $$ SELECT gen_random_uuid() $$;
CREATE OR REPLACE FUNCTION uuid_nil() RETURNS uuid LANGUAGE sql IMMUTABLE AS $$ SELECT '00000000-0000-0000-0000-000000000000'::uuid $$;
