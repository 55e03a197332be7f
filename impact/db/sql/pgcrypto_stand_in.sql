-- Stand-ins for pgcrypto's most used functions, on PostgreSQL's core ones, for a shadow server
-- without pgcrypto (the embedded one): a migration's DEFAULT or function that calls them replays.
-- Not cryptographic (random(), not a CSPRNG); the shadow database is thrown away.
CREATE OR REPLACE FUNCTION gen_random_bytes(integer) RETURNS bytea LANGUAGE sql VOLATILE AS
$$ SELECT coalesce(string_agg(set_byte('\x00'::bytea, 0, floor(random() * 256)::int), ''::bytea), ''::bytea) FROM generate_series(1, $1) $$;
CREATE OR REPLACE FUNCTION digest(bytea, text) RETURNS bytea LANGUAGE sql IMMUTABLE STRICT AS
$$ SELECT CASE lower($2) WHEN 'md5' THEN decode(md5($1), 'hex') WHEN 'sha224' THEN sha224($1) WHEN 'sha256' THEN sha256($1)
                        WHEN 'sha384' THEN sha384($1) WHEN 'sha512' THEN sha512($1) END $$;
CREATE OR REPLACE FUNCTION digest(text, text) RETURNS bytea LANGUAGE sql IMMUTABLE STRICT AS
$$ SELECT digest(convert_to($1, 'UTF8'), $2) $$;
