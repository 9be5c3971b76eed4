-- blik-server upgrade fixture: the database an older blik-server left, made by
-- tests/server/test_srv_backup.c (test_make_fixture) with that server.
-- schema: 5
-- unit: a6a83108-802e-45bf-b7d7-22805c7a0f04
-- leader: b24f6c8f-99fc-43c7-a0f8-e5c01aa4035f
-- peer: 27e656da-3336-459d-abbc-4cbc5c8ad161
-- device: e36d5013-05e9-42c6-ba85-91a93b5c7284
-- authorization: Bearer e36d5013-05e9-42c6-ba85-91a93b5c7284.f3d5ad5123133af19dcff402c96e382255176b13bbc1eeff8ae4c1a796336d9f
-- observation: e0a22f31-abb1-4bad-b956-d4c46d1f3ac9
-- push: {"schema":1,"changes":[{"change_id":"5edeeba8-f798-4f28-b5b0-f56fcfe857b7","actor_id":"b24f6c8f-99fc-43c7-a0f8-e5c01aa4035f","base_version":0,"entity":"observation","data":{"id":"e0a22f31-abb1-4bad-b956-d4c46d1f3ac9","unit_id":"a6a83108-802e-45bf-b7d7-22805c7a0f04","focus_id":"68a4ef58-bbff-405e-96bd-ca74f33b9254","focus_version":1,"template_id":"a52c0926-e722-45f6-a046-58be973f54a9","template_version":1,"observer_id":"b24f6c8f-99fc-43c7-a0f8-e5c01aa4035f","observee_id":"27e656da-3336-459d-abbc-4cbc5c8ad161","room_id":"3e4cf19f-ceb7-4cea-aa88-8c4ed0079cef","activity":"Circle time","context":{"children":14},"agreement":true,"started_at":1790000000000,"ended_at":1790000900000,"status":"finished","revision":1,"updated_at":1790000900000}},{"change_id":"5e2c1aa6-1584-434d-827e-4a5fdfffb147","actor_id":"b24f6c8f-99fc-43c7-a0f8-e5c01aa4035f","base_version":0,"entity":"note","data":{"id":"6fd48364-5426-48a1-9345-45b17a47bb14","observation_id":"e0a22f31-abb1-4bad-b956-d4c46d1f3ac9","at":1790000100000,"text":"Spurgte hvorfor bladene falder","sign_id":""}},{"change_id":"4437adc2-dfed-4199-a9a8-66fcbc88a28a","actor_id":"b24f6c8f-99fc-43c7-a0f8-e5c01aa4035f","base_version":0,"entity":"feedback","data":{"observation_id":"e0a22f31-abb1-4bad-b956-d4c46d1f3ac9","author_id":"b24f6c8f-99fc-43c7-a0f8-e5c01aa4035f","works":"Gode åbne spørgsmål","wonderings":"","next_step":"Wait five seconds.","given_at":0,"updated_at":1790001000000}},{"change_id":"077289d7-68e6-457e-8d9f-502982a2ce37","actor_id":"27e656da-3336-459d-abbc-4cbc5c8ad161","base_version":0,"entity":"reflection","data":{"observation_id":"e0a22f31-abb1-4bad-b956-d4c46d1f3ac9","author_id":"27e656da-3336-459d-abbc-4cbc5c8ad161","text":"Jeg vil vente længere på svar","next_step":"","updated_at":1790002000000}},{"change_id":"e6d20534-4213-4218-93ec-ad7bce0fbc92","actor_id":"27e656da-3336-459d-abbc-4cbc5c8ad161","base_version":0,"entity":"observation","data":{"id":"87f6e49a-79ae-42be-894a-a6087e94f8c3","unit_id":"a6a83108-802e-45bf-b7d7-22805c7a0f04","focus_id":"68a4ef58-bbff-405e-96bd-ca74f33b9254","focus_version":1,"template_id":"a52c0926-e722-45f6-a046-58be973f54a9","template_version":1,"observer_id":"27e656da-3336-459d-abbc-4cbc5c8ad161","observee_id":"230791e0-120f-4606-b9ff-d4edb557a9bd","room_id":"3e4cf19f-ceb7-4cea-aa88-8c4ed0079cef","activity":"Circle time","context":{"children":14},"agreement":true,"started_at":1790000000000,"ended_at":0,"status":"draft","revision":1,"updated_at":1790000900000}}]}
--
-- PostgreSQL database dump
--


-- Dumped from database version 15.18 (Debian 15.18-0+deb12u1)
-- Dumped by pg_dump version 15.18 (Debian 15.18-0+deb12u1)

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: account_units; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.account_units (
    account_id text NOT NULL,
    unit_id text NOT NULL
);


--
-- Name: accounts; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.accounts (
    id text NOT NULL,
    login text NOT NULL,
    person_id text,
    role text NOT NULL,
    name text NOT NULL,
    pw_hash text DEFAULT ''::text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    disabled_at timestamp with time zone,
    CONSTRAINT accounts_role_check CHECK ((role = ANY (ARRAY['admin'::text, 'area'::text, 'leader'::text, 'peer'::text])))
);


--
-- Name: audit_log; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.audit_log (
    id bigint NOT NULL,
    at timestamp with time zone DEFAULT now() NOT NULL,
    actor text NOT NULL,
    action text NOT NULL,
    unit_id text DEFAULT ''::text NOT NULL,
    subject text DEFAULT ''::text NOT NULL,
    detail text DEFAULT ''::text NOT NULL
);


--
-- Name: audit_log_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.audit_log_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: audit_log_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.audit_log_id_seq OWNED BY public.audit_log.id;


--
-- Name: changes; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.changes (
    change_id text NOT NULL,
    device_id text NOT NULL,
    entity text NOT NULL,
    key text NOT NULL,
    body_sha256 text NOT NULL,
    status text NOT NULL,
    version integer NOT NULL,
    received_at timestamp with time zone DEFAULT now() NOT NULL
);


--
-- Name: conflicts; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.conflicts (
    id bigint NOT NULL,
    change_id text NOT NULL,
    entity text NOT NULL,
    key text NOT NULL,
    unit_id text NOT NULL,
    device_id text NOT NULL,
    base_version integer NOT NULL,
    server_version integer NOT NULL,
    data text NOT NULL,
    received_at timestamp with time zone DEFAULT now() NOT NULL,
    resolved_at timestamp with time zone
);


--
-- Name: conflicts_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.conflicts_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: conflicts_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.conflicts_id_seq OWNED BY public.conflicts.id;


--
-- Name: devices; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.devices (
    id text NOT NULL,
    unit_id text NOT NULL,
    name text NOT NULL,
    secret_sha256 text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    revoked_at timestamp with time zone,
    last_seen_at timestamp with time zone,
    last_address text DEFAULT ''::text NOT NULL,
    last_version text DEFAULT ''::text NOT NULL,
    last_push_at timestamp with time zone,
    last_push_changes integer DEFAULT 0 NOT NULL,
    wipe_at timestamp with time zone,
    wipe_sent_at timestamp with time zone
);


--
-- Name: enrol_codes; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.enrol_codes (
    code_sha256 text NOT NULL,
    unit_id text NOT NULL,
    expires_at timestamp with time zone NOT NULL,
    used_at timestamp with time zone,
    device_id text
);


--
-- Name: fact_obs; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.fact_obs (
    observation_id text NOT NULL,
    unit_id text NOT NULL,
    focus_id text NOT NULL,
    focus_version integer NOT NULL,
    template_id text NOT NULL,
    template_version integer NOT NULL,
    observer_id text NOT NULL,
    observee_id text NOT NULL,
    room_id text NOT NULL,
    activity text NOT NULL,
    context jsonb NOT NULL,
    status text NOT NULL,
    started_at timestamp with time zone NOT NULL,
    ended_at timestamp with time zone,
    month date NOT NULL,
    duration_ms bigint NOT NULL,
    revision integer NOT NULL,
    n_events integer NOT NULL,
    n_undone integer NOT NULL,
    n_notes integer NOT NULL,
    n_ratings integer NOT NULL,
    feedback_given boolean NOT NULL,
    reflection_written boolean NOT NULL,
    n_conflicts integer NOT NULL,
    pair_code text DEFAULT ''::text NOT NULL,
    updated_at timestamp with time zone NOT NULL,
    CONSTRAINT fact_obs_status_check CHECK ((status = ANY (ARRAY['draft'::text, 'finished'::text])))
);


--
-- Name: fact_obs_count; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.fact_obs_count (
    observation_id text NOT NULL,
    kind text NOT NULL,
    key text NOT NULL,
    n integer NOT NULL,
    CONSTRAINT fact_obs_count_kind_check CHECK ((kind = ANY (ARRAY['count'::text, 'sample'::text])))
);


--
-- Name: fact_obs_rating; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.fact_obs_rating (
    observation_id text NOT NULL,
    sign_id text NOT NULL,
    level integer NOT NULL,
    n_scale integer NOT NULL,
    CONSTRAINT fact_obs_rating_level_check CHECK ((level >= 0))
);


--
-- Name: fact_obs_state; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.fact_obs_state (
    observation_id text NOT NULL,
    key text NOT NULL,
    ms bigint NOT NULL
);


--
-- Name: focus_steps; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.focus_steps (
    id bigint NOT NULL,
    focus_id text NOT NULL,
    unit_id text NOT NULL,
    text text NOT NULL,
    created_by text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    done_at timestamp with time zone
);


--
-- Name: focus_steps_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.focus_steps_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: focus_steps_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.focus_steps_id_seq OWNED BY public.focus_steps.id;


--
-- Name: focuses; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.focuses (
    id text NOT NULL,
    version integer NOT NULL,
    unit_id text NOT NULL,
    retired_at timestamp with time zone
);


--
-- Name: invites; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.invites (
    token_sha256 text NOT NULL,
    account_id text NOT NULL,
    created_by text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    expires_at timestamp with time zone NOT NULL,
    used_at timestamp with time zone
);


--
-- Name: items; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.items (
    entity text NOT NULL,
    key text NOT NULL,
    unit_id text NOT NULL,
    seq bigint NOT NULL,
    observation_id text DEFAULT ''::text NOT NULL,
    version integer NOT NULL,
    author_id text DEFAULT ''::text NOT NULL,
    device_id text DEFAULT ''::text NOT NULL,
    data text NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL
);


--
-- Name: observations; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.observations (
    id text NOT NULL,
    unit_id text NOT NULL,
    observer_id text NOT NULL,
    observee_id text NOT NULL,
    received_at timestamp with time zone DEFAULT now() NOT NULL
);


--
-- Name: people; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.people (
    id text NOT NULL,
    unit_id text NOT NULL,
    name text NOT NULL,
    role text NOT NULL,
    pin_verifier text DEFAULT ''::text NOT NULL,
    active boolean DEFAULT true NOT NULL,
    room_id text,
    CONSTRAINT people_role_check CHECK ((role = ANY (ARRAY['peer'::text, 'leader'::text])))
);


--
-- Name: roll_month; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.roll_month (
    unit_id text NOT NULL,
    focus_id text NOT NULL,
    month date NOT NULL,
    n_obs integer NOT NULL,
    n_feedback integer NOT NULL,
    n_reflection integer NOT NULL,
    duration_ms bigint NOT NULL
);


--
-- Name: roll_month_count; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.roll_month_count (
    unit_id text NOT NULL,
    focus_id text NOT NULL,
    month date NOT NULL,
    kind text NOT NULL,
    key text NOT NULL,
    n bigint NOT NULL
);


--
-- Name: roll_month_sign; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.roll_month_sign (
    unit_id text NOT NULL,
    focus_id text NOT NULL,
    month date NOT NULL,
    sign_id text NOT NULL,
    n_scale integer NOT NULL,
    n0 integer NOT NULL,
    n1 integer NOT NULL,
    n2 integer NOT NULL,
    n3 integer NOT NULL,
    n4 integer NOT NULL
);


--
-- Name: rooms; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.rooms (
    id text NOT NULL,
    unit_id text NOT NULL,
    name text NOT NULL,
    active boolean DEFAULT true NOT NULL
);


--
-- Name: schema_migrations; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.schema_migrations (
    version integer NOT NULL,
    applied_at timestamp with time zone DEFAULT now() NOT NULL
);


--
-- Name: sessions; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.sessions (
    token_sha256 text NOT NULL,
    account_id text NOT NULL,
    csrf text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    last_seen_at timestamp with time zone DEFAULT now() NOT NULL,
    address text DEFAULT ''::text NOT NULL
);


--
-- Name: sign_in_failures; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.sign_in_failures (
    id bigint NOT NULL,
    login text NOT NULL,
    address text NOT NULL,
    at timestamp with time zone DEFAULT now() NOT NULL
);


--
-- Name: sign_in_failures_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.sign_in_failures_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: sign_in_failures_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.sign_in_failures_id_seq OWNED BY public.sign_in_failures.id;


--
-- Name: templates; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.templates (
    id text NOT NULL,
    version integer NOT NULL,
    unit_id text NOT NULL,
    retired_at timestamp with time zone
);


--
-- Name: units; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.units (
    id text NOT NULL,
    name text NOT NULL,
    retention_days integer NOT NULL,
    feed_seq bigint DEFAULT 0 NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    active boolean DEFAULT true NOT NULL
);


--
-- Name: audit_log id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.audit_log ALTER COLUMN id SET DEFAULT nextval('public.audit_log_id_seq'::regclass);


--
-- Name: conflicts id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.conflicts ALTER COLUMN id SET DEFAULT nextval('public.conflicts_id_seq'::regclass);


--
-- Name: focus_steps id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.focus_steps ALTER COLUMN id SET DEFAULT nextval('public.focus_steps_id_seq'::regclass);


--
-- Name: sign_in_failures id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.sign_in_failures ALTER COLUMN id SET DEFAULT nextval('public.sign_in_failures_id_seq'::regclass);


--
-- Data for Name: account_units; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.account_units (account_id, unit_id) FROM stdin;
\.


--
-- Data for Name: accounts; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.accounts (id, login, person_id, role, name, pw_hash, created_at, disabled_at) FROM stdin;
\.


--
-- Data for Name: audit_log; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.audit_log (id, at, actor, action, unit_id, subject, detail) FROM stdin;
2	2026-12-02 00:01:18.173698+00	admin:root	unit.add	a6a83108-802e-45bf-b7d7-22805c7a0f04	a6a83108-802e-45bf-b7d7-22805c7a0f04	retention_days=365
1	2026-12-02 00:01:18.153986+00	admin:root	unit-add			unit-add --name [text] -> exit 0
4	2026-12-02 00:01:18.813681+00	admin:root	room.add	a6a83108-802e-45bf-b7d7-22805c7a0f04	3e4cf19f-ceb7-4cea-aa88-8c4ed0079cef	
3	2026-12-02 00:01:18.781644+00	admin:root	room-add	a6a83108-802e-45bf-b7d7-22805c7a0f04		room-add --unit a6a83108-802e-45bf-b7d7-22805c7a0f04 --name [text] -> exit 0
6	2026-12-02 00:01:19.423048+00	admin:root	person.add	a6a83108-802e-45bf-b7d7-22805c7a0f04	b24f6c8f-99fc-43c7-a0f8-e5c01aa4035f	role=leader
5	2026-12-02 00:01:19.406139+00	admin:root	person-add	a6a83108-802e-45bf-b7d7-22805c7a0f04		person-add --unit a6a83108-802e-45bf-b7d7-22805c7a0f04 --name [text] --role leader -> exit 0
8	2026-12-02 00:01:20.095943+00	admin:root	person.add	a6a83108-802e-45bf-b7d7-22805c7a0f04	27e656da-3336-459d-abbc-4cbc5c8ad161	role=peer
7	2026-12-02 00:01:20.078746+00	admin:root	person-add	a6a83108-802e-45bf-b7d7-22805c7a0f04		person-add --unit a6a83108-802e-45bf-b7d7-22805c7a0f04 --name [text] --role peer -> exit 0
10	2026-12-02 00:01:20.933759+00	admin:root	person.add	a6a83108-802e-45bf-b7d7-22805c7a0f04	230791e0-120f-4606-b9ff-d4edb557a9bd	role=peer
9	2026-12-02 00:01:20.910183+00	admin:root	person-add	a6a83108-802e-45bf-b7d7-22805c7a0f04		person-add --unit a6a83108-802e-45bf-b7d7-22805c7a0f04 --name [text] --role peer -> exit 0
12	2026-12-02 00:01:23.83062+00	admin:root	person.pin-set	a6a83108-802e-45bf-b7d7-22805c7a0f04	b24f6c8f-99fc-43c7-a0f8-e5c01aa4035f	
11	2026-12-02 00:01:21.6034+00	admin:root	pin-set		b24f6c8f-99fc-43c7-a0f8-e5c01aa4035f	pin-set --person b24f6c8f-99fc-43c7-a0f8-e5c01aa4035f -> exit 0
14	2026-12-02 00:01:24.721821+00	admin:root	template.save	a6a83108-802e-45bf-b7d7-22805c7a0f04	a52c0926-e722-45f6-a046-58be973f54a9	version=1
13	2026-12-02 00:01:24.608901+00	admin:root	template-add	a6a83108-802e-45bf-b7d7-22805c7a0f04		template-add --unit a6a83108-802e-45bf-b7d7-22805c7a0f04 --file /tmp/blik-pg-nQiWZF/template.json -> exit 0
16	2026-12-02 00:01:25.485906+00	admin:root	focus.save	a6a83108-802e-45bf-b7d7-22805c7a0f04	68a4ef58-bbff-405e-96bd-ca74f33b9254	version=1
15	2026-12-02 00:01:25.46707+00	admin:root	focus-add	a6a83108-802e-45bf-b7d7-22805c7a0f04		focus-add --unit a6a83108-802e-45bf-b7d7-22805c7a0f04 --question [text] --from 2026-01-01 --to 2026-12-31 --template a52c0926-e722-45f6-a046-58be973f54a9 --sign [text] --pillar learning -> exit 0
18	2026-12-02 00:01:26.265712+00	admin:root	device.enrol-code	a6a83108-802e-45bf-b7d7-22805c7a0f04		ttl_minutes=60
17	2026-12-02 00:01:26.235481+00	admin:root	enrol-code	a6a83108-802e-45bf-b7d7-22805c7a0f04		enrol-code --unit a6a83108-802e-45bf-b7d7-22805c7a0f04 -> exit 0
20	2026-12-02 00:01:27.053675+00	admin:root	device.enrol-code	a6a83108-802e-45bf-b7d7-22805c7a0f04		ttl_minutes=60
19	2026-12-02 00:01:27.025608+00	admin:root	enrol-code	a6a83108-802e-45bf-b7d7-22805c7a0f04		enrol-code --unit a6a83108-802e-45bf-b7d7-22805c7a0f04 -> exit 0
\.


--
-- Data for Name: changes; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.changes (change_id, device_id, entity, key, body_sha256, status, version, received_at) FROM stdin;
5edeeba8-f798-4f28-b5b0-f56fcfe857b7	e36d5013-05e9-42c6-ba85-91a93b5c7284	observation	e0a22f31-abb1-4bad-b956-d4c46d1f3ac9	08edb6ee7798179c9e6c3b64f18cbcda31259f811d676b979e7f54a00e68d9d6	stored	1	2026-12-02 00:01:27.302938+00
5e2c1aa6-1584-434d-827e-4a5fdfffb147	e36d5013-05e9-42c6-ba85-91a93b5c7284	note	6fd48364-5426-48a1-9345-45b17a47bb14	e1414ec1932469520a48e7f013e1dba0f4f1f263625aa2907daae751ebd57556	stored	1	2026-12-02 00:01:27.302938+00
4437adc2-dfed-4199-a9a8-66fcbc88a28a	e36d5013-05e9-42c6-ba85-91a93b5c7284	feedback	e0a22f31-abb1-4bad-b956-d4c46d1f3ac9	ae9cacf06193492c5fa2e83acf1ce47eacb8cd62c6718fb168c7ef20f7b64114	stored	1	2026-12-02 00:01:27.302938+00
077289d7-68e6-457e-8d9f-502982a2ce37	e36d5013-05e9-42c6-ba85-91a93b5c7284	reflection	e0a22f31-abb1-4bad-b956-d4c46d1f3ac9	4b4009f680f43f953e977c1e7e552f1c20987d0eb340d2c48d5f015950211584	stored	1	2026-12-02 00:01:27.302938+00
e6d20534-4213-4218-93ec-ad7bce0fbc92	e36d5013-05e9-42c6-ba85-91a93b5c7284	observation	87f6e49a-79ae-42be-894a-a6087e94f8c3	3820f359e4f3e28edb600f985f4146f8ac65d9df59e7f8043b9bee90bc2f657e	stored	1	2026-12-02 00:01:27.302938+00
87e6fc4c-350c-435c-ba2d-199bbc760c36	e36d5013-05e9-42c6-ba85-91a93b5c7284	observation	e0a22f31-abb1-4bad-b956-d4c46d1f3ac9	df98e98fd55eeaf1901df6a1536fce9983b07b9fe743fb6a1805b84e371dcf37	stored	2	2026-12-02 00:01:27.688891+00
d1ebd9e2-9690-4bcf-80fc-99f3b7fdbea9	92742dc9-4642-406a-b289-dab8b9e08e64	observation	e0a22f31-abb1-4bad-b956-d4c46d1f3ac9	b359a9d5bb865c9a04ce8b3764d8e4b4d7943046c71396e920b63808e980db4a	conflict	2	2026-12-02 00:01:27.885277+00
\.


--
-- Data for Name: conflicts; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.conflicts (id, change_id, entity, key, unit_id, device_id, base_version, server_version, data, received_at, resolved_at) FROM stdin;
1	d1ebd9e2-9690-4bcf-80fc-99f3b7fdbea9	observation	e0a22f31-abb1-4bad-b956-d4c46d1f3ac9	a6a83108-802e-45bf-b7d7-22805c7a0f04	92742dc9-4642-406a-b289-dab8b9e08e64	1	2	{"id":"e0a22f31-abb1-4bad-b956-d4c46d1f3ac9","unit_id":"a6a83108-802e-45bf-b7d7-22805c7a0f04","focus_id":"68a4ef58-bbff-405e-96bd-ca74f33b9254","focus_version":1,"template_id":"a52c0926-e722-45f6-a046-58be973f54a9","template_version":1,"observer_id":"b24f6c8f-99fc-43c7-a0f8-e5c01aa4035f","observee_id":"27e656da-3336-459d-abbc-4cbc5c8ad161","room_id":"3e4cf19f-ceb7-4cea-aa88-8c4ed0079cef","activity":"Samling","context":{"children":14},"agreement":true,"started_at":1790000000000,"ended_at":1790000900000,"status":"finished","revision":3,"updated_at":1790000900000}	2026-12-02 00:01:27.885277+00	\N
\.


--
-- Data for Name: devices; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.devices (id, unit_id, name, secret_sha256, created_at, revoked_at, last_seen_at, last_address, last_version, last_push_at, last_push_changes, wipe_at, wipe_sent_at) FROM stdin;
e36d5013-05e9-42c6-ba85-91a93b5c7284	a6a83108-802e-45bf-b7d7-22805c7a0f04	Stue 2's tablet	dc41fc8e4a6ccd0451fa15417b9e2bcb2031f6ab4bc39275fb1243c2eb2f131b	2026-12-02 00:01:26.491448+00	\N	2026-12-02 00:01:27.291099+00	127.0.0.1		2026-12-02 00:01:27.688891+00	1	\N	\N
92742dc9-4642-406a-b289-dab8b9e08e64	a6a83108-802e-45bf-b7d7-22805c7a0f04	Stue 2's tablet	5e828c457622e271ac932b8a5819ec86963dbecbadb51090a2e3a2641136d587	2026-12-02 00:01:27.185783+00	\N	2026-12-02 00:01:27.877536+00	127.0.0.1		2026-12-02 00:01:27.885277+00	1	\N	\N
\.


--
-- Data for Name: enrol_codes; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.enrol_codes (code_sha256, unit_id, expires_at, used_at, device_id) FROM stdin;
7197a8cefaf3d53d9c3b745fb65e12bb7313e7c7132d856395716a5e827eba9d	a6a83108-802e-45bf-b7d7-22805c7a0f04	2026-12-02 01:01:26.265712+00	2026-12-02 00:01:26.491448+00	e36d5013-05e9-42c6-ba85-91a93b5c7284
1bf833584761cf59dc49f05703c95b01eb0a46387947b8b25f27cdb4d320999b	a6a83108-802e-45bf-b7d7-22805c7a0f04	2026-12-02 01:01:27.053675+00	2026-12-02 00:01:27.185783+00	92742dc9-4642-406a-b289-dab8b9e08e64
\.


--
-- Data for Name: fact_obs; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.fact_obs (observation_id, unit_id, focus_id, focus_version, template_id, template_version, observer_id, observee_id, room_id, activity, context, status, started_at, ended_at, month, duration_ms, revision, n_events, n_undone, n_notes, n_ratings, feedback_given, reflection_written, n_conflicts, pair_code, updated_at) FROM stdin;
87f6e49a-79ae-42be-894a-a6087e94f8c3	a6a83108-802e-45bf-b7d7-22805c7a0f04	68a4ef58-bbff-405e-96bd-ca74f33b9254	1	a52c0926-e722-45f6-a046-58be973f54a9	1	27e656da-3336-459d-abbc-4cbc5c8ad161	230791e0-120f-4606-b9ff-d4edb557a9bd	3e4cf19f-ceb7-4cea-aa88-8c4ed0079cef	Circle time	{"children": 14}	draft	2026-09-21 14:13:20+00	\N	2026-09-01	0	1	0	0	0	0	f	f	0		2026-09-21 14:28:20+00
e0a22f31-abb1-4bad-b956-d4c46d1f3ac9	a6a83108-802e-45bf-b7d7-22805c7a0f04	68a4ef58-bbff-405e-96bd-ca74f33b9254	1	a52c0926-e722-45f6-a046-58be973f54a9	1	b24f6c8f-99fc-43c7-a0f8-e5c01aa4035f	27e656da-3336-459d-abbc-4cbc5c8ad161	3e4cf19f-ceb7-4cea-aa88-8c4ed0079cef	Samling	{"children": 14}	finished	2026-09-21 14:13:20+00	2026-09-21 14:28:20+00	2026-09-01	900000	2	0	0	1	0	f	t	1		2026-09-21 14:28:20+00
\.


--
-- Data for Name: fact_obs_count; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.fact_obs_count (observation_id, kind, key, n) FROM stdin;
\.


--
-- Data for Name: fact_obs_rating; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.fact_obs_rating (observation_id, sign_id, level, n_scale) FROM stdin;
\.


--
-- Data for Name: fact_obs_state; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.fact_obs_state (observation_id, key, ms) FROM stdin;
\.


--
-- Data for Name: focus_steps; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.focus_steps (id, focus_id, unit_id, text, created_by, created_at, done_at) FROM stdin;
\.


--
-- Data for Name: focuses; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.focuses (id, version, unit_id, retired_at) FROM stdin;
68a4ef58-bbff-405e-96bd-ca74f33b9254	1	a6a83108-802e-45bf-b7d7-22805c7a0f04	\N
\.


--
-- Data for Name: invites; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.invites (token_sha256, account_id, created_by, created_at, expires_at, used_at) FROM stdin;
\.


--
-- Data for Name: items; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.items (entity, key, unit_id, seq, observation_id, version, author_id, device_id, data, updated_at) FROM stdin;
unit	a6a83108-802e-45bf-b7d7-22805c7a0f04	a6a83108-802e-45bf-b7d7-22805c7a0f04	1		1			{"id":"a6a83108-802e-45bf-b7d7-22805c7a0f04","name":"Børnehuset Kastanjen","retention_days":365}	2026-12-02 00:01:18.173698+00
room	3e4cf19f-ceb7-4cea-aa88-8c4ed0079cef	a6a83108-802e-45bf-b7d7-22805c7a0f04	2		1			{"id":"3e4cf19f-ceb7-4cea-aa88-8c4ed0079cef","unit_id":"a6a83108-802e-45bf-b7d7-22805c7a0f04","name":"Stue 2"}	2026-12-02 00:01:18.813681+00
person	27e656da-3336-459d-abbc-4cbc5c8ad161	a6a83108-802e-45bf-b7d7-22805c7a0f04	4		1			{"id":"27e656da-3336-459d-abbc-4cbc5c8ad161","unit_id":"a6a83108-802e-45bf-b7d7-22805c7a0f04","name":"Peter Pædagog","role":"peer","pin_verifier":"","active":true}	2026-12-02 00:01:20.095943+00
person	230791e0-120f-4606-b9ff-d4edb557a9bd	a6a83108-802e-45bf-b7d7-22805c7a0f04	5		1			{"id":"230791e0-120f-4606-b9ff-d4edb557a9bd","unit_id":"a6a83108-802e-45bf-b7d7-22805c7a0f04","name":"Pia Pædagog","role":"peer","pin_verifier":"","active":true}	2026-12-02 00:01:20.933759+00
person	b24f6c8f-99fc-43c7-a0f8-e5c01aa4035f	a6a83108-802e-45bf-b7d7-22805c7a0f04	6		2			{"id":"b24f6c8f-99fc-43c7-a0f8-e5c01aa4035f","unit_id":"a6a83108-802e-45bf-b7d7-22805c7a0f04","name":"Lene Leder","role":"leader","pin_verifier":"$argon2id$v=19$m=65536,t=2,p=1$j6zMk1Z7HOgeJCcdfJlsmw$2IIwgP2gaQcFplZAgvIMMmDt7sOryfHkA+TAUBc3lXU","active":true}	2026-12-02 00:01:23.83062+00
template	a52c0926-e722-45f6-a046-58be973f54a9/1	a6a83108-802e-45bf-b7d7-22805c7a0f04	7		1			{"id":"a52c0926-e722-45f6-a046-58be973f54a9","unit_id":"a6a83108-802e-45bf-b7d7-22805c7a0f04","version":1,"name":"Spørgsmål","scale":["ikke set","delvist","tydeligt"],"counters":[{"key":"open_q","label":"Åbent spørgsmål"}],"states":[],"context":[],"prompts":[],"phrases":[],"thresholds":{"green_pct":70,"yellow_pct":40}}	2026-12-02 00:01:24.721821+00
focus	68a4ef58-bbff-405e-96bd-ca74f33b9254/1	a6a83108-802e-45bf-b7d7-22805c7a0f04	8		1			{"id":"68a4ef58-bbff-405e-96bd-ca74f33b9254","unit_id":"a6a83108-802e-45bf-b7d7-22805c7a0f04","version":1,"question":"Hvordan stiller vi åbne spørgsmål?","why":"","pillar":"learning","period_from":"2026-01-01","period_to":"2026-12-31","template_id":"a52c0926-e722-45f6-a046-58be973f54a9","signs":[{"id":"abfd1af4-24ab-49b2-8e53-2912b836bd53","text":"Børnene svarer i sætninger"}]}	2026-12-02 00:01:25.485906+00
note	6fd48364-5426-48a1-9345-45b17a47bb14	a6a83108-802e-45bf-b7d7-22805c7a0f04	10	e0a22f31-abb1-4bad-b956-d4c46d1f3ac9	1	b24f6c8f-99fc-43c7-a0f8-e5c01aa4035f	e36d5013-05e9-42c6-ba85-91a93b5c7284	{"id":"6fd48364-5426-48a1-9345-45b17a47bb14","observation_id":"e0a22f31-abb1-4bad-b956-d4c46d1f3ac9","at":1790000100000,"text":"Spurgte hvorfor bladene falder","sign_id":""}	2026-12-02 00:01:27.302938+00
feedback	e0a22f31-abb1-4bad-b956-d4c46d1f3ac9	a6a83108-802e-45bf-b7d7-22805c7a0f04	11	e0a22f31-abb1-4bad-b956-d4c46d1f3ac9	1	b24f6c8f-99fc-43c7-a0f8-e5c01aa4035f	e36d5013-05e9-42c6-ba85-91a93b5c7284	{"observation_id":"e0a22f31-abb1-4bad-b956-d4c46d1f3ac9","author_id":"b24f6c8f-99fc-43c7-a0f8-e5c01aa4035f","works":"Gode åbne spørgsmål","wonderings":"","next_step":"Wait five seconds.","given_at":0,"updated_at":1790001000000}	2026-12-02 00:01:27.302938+00
reflection	e0a22f31-abb1-4bad-b956-d4c46d1f3ac9	a6a83108-802e-45bf-b7d7-22805c7a0f04	12	e0a22f31-abb1-4bad-b956-d4c46d1f3ac9	1	27e656da-3336-459d-abbc-4cbc5c8ad161	e36d5013-05e9-42c6-ba85-91a93b5c7284	{"observation_id":"e0a22f31-abb1-4bad-b956-d4c46d1f3ac9","author_id":"27e656da-3336-459d-abbc-4cbc5c8ad161","text":"Jeg vil vente længere på svar","next_step":"","updated_at":1790002000000}	2026-12-02 00:01:27.302938+00
observation	87f6e49a-79ae-42be-894a-a6087e94f8c3	a6a83108-802e-45bf-b7d7-22805c7a0f04	13	87f6e49a-79ae-42be-894a-a6087e94f8c3	1	27e656da-3336-459d-abbc-4cbc5c8ad161	e36d5013-05e9-42c6-ba85-91a93b5c7284	{"id":"87f6e49a-79ae-42be-894a-a6087e94f8c3","unit_id":"a6a83108-802e-45bf-b7d7-22805c7a0f04","focus_id":"68a4ef58-bbff-405e-96bd-ca74f33b9254","focus_version":1,"template_id":"a52c0926-e722-45f6-a046-58be973f54a9","template_version":1,"observer_id":"27e656da-3336-459d-abbc-4cbc5c8ad161","observee_id":"230791e0-120f-4606-b9ff-d4edb557a9bd","room_id":"3e4cf19f-ceb7-4cea-aa88-8c4ed0079cef","activity":"Circle time","context":{"children":14},"agreement":true,"started_at":1790000000000,"ended_at":0,"status":"draft","revision":1,"updated_at":1790000900000}	2026-12-02 00:01:27.302938+00
observation	e0a22f31-abb1-4bad-b956-d4c46d1f3ac9	a6a83108-802e-45bf-b7d7-22805c7a0f04	14	e0a22f31-abb1-4bad-b956-d4c46d1f3ac9	2	b24f6c8f-99fc-43c7-a0f8-e5c01aa4035f	e36d5013-05e9-42c6-ba85-91a93b5c7284	{"id":"e0a22f31-abb1-4bad-b956-d4c46d1f3ac9","unit_id":"a6a83108-802e-45bf-b7d7-22805c7a0f04","focus_id":"68a4ef58-bbff-405e-96bd-ca74f33b9254","focus_version":1,"template_id":"a52c0926-e722-45f6-a046-58be973f54a9","template_version":1,"observer_id":"b24f6c8f-99fc-43c7-a0f8-e5c01aa4035f","observee_id":"27e656da-3336-459d-abbc-4cbc5c8ad161","room_id":"3e4cf19f-ceb7-4cea-aa88-8c4ed0079cef","activity":"Samling","context":{"children":14},"agreement":true,"started_at":1790000000000,"ended_at":1790000900000,"status":"finished","revision":2,"updated_at":1790000900000}	2026-12-02 00:01:27.688891+00
\.


--
-- Data for Name: observations; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.observations (id, unit_id, observer_id, observee_id, received_at) FROM stdin;
e0a22f31-abb1-4bad-b956-d4c46d1f3ac9	a6a83108-802e-45bf-b7d7-22805c7a0f04	b24f6c8f-99fc-43c7-a0f8-e5c01aa4035f	27e656da-3336-459d-abbc-4cbc5c8ad161	2026-12-02 00:01:27.302938+00
87f6e49a-79ae-42be-894a-a6087e94f8c3	a6a83108-802e-45bf-b7d7-22805c7a0f04	27e656da-3336-459d-abbc-4cbc5c8ad161	230791e0-120f-4606-b9ff-d4edb557a9bd	2026-12-02 00:01:27.302938+00
\.


--
-- Data for Name: people; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.people (id, unit_id, name, role, pin_verifier, active, room_id) FROM stdin;
27e656da-3336-459d-abbc-4cbc5c8ad161	a6a83108-802e-45bf-b7d7-22805c7a0f04	Peter Pædagog	peer		t	\N
230791e0-120f-4606-b9ff-d4edb557a9bd	a6a83108-802e-45bf-b7d7-22805c7a0f04	Pia Pædagog	peer		t	\N
b24f6c8f-99fc-43c7-a0f8-e5c01aa4035f	a6a83108-802e-45bf-b7d7-22805c7a0f04	Lene Leder	leader	$argon2id$v=19$m=65536,t=2,p=1$j6zMk1Z7HOgeJCcdfJlsmw$2IIwgP2gaQcFplZAgvIMMmDt7sOryfHkA+TAUBc3lXU	t	\N
\.


--
-- Data for Name: roll_month; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.roll_month (unit_id, focus_id, month, n_obs, n_feedback, n_reflection, duration_ms) FROM stdin;
a6a83108-802e-45bf-b7d7-22805c7a0f04	68a4ef58-bbff-405e-96bd-ca74f33b9254	2026-09-01	1	0	1	900000
\.


--
-- Data for Name: roll_month_count; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.roll_month_count (unit_id, focus_id, month, kind, key, n) FROM stdin;
\.


--
-- Data for Name: roll_month_sign; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.roll_month_sign (unit_id, focus_id, month, sign_id, n_scale, n0, n1, n2, n3, n4) FROM stdin;
\.


--
-- Data for Name: rooms; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.rooms (id, unit_id, name, active) FROM stdin;
3e4cf19f-ceb7-4cea-aa88-8c4ed0079cef	a6a83108-802e-45bf-b7d7-22805c7a0f04	Stue 2	t
\.


--
-- Data for Name: schema_migrations; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.schema_migrations (version, applied_at) FROM stdin;
1	2026-12-02 00:01:14.921731+00
2	2026-12-02 00:01:15.075631+00
3	2026-12-02 00:01:15.109581+00
4	2026-12-02 00:01:15.141044+00
5	2026-12-02 00:01:15.238718+00
\.


--
-- Data for Name: sessions; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.sessions (token_sha256, account_id, csrf, created_at, last_seen_at, address) FROM stdin;
\.


--
-- Data for Name: sign_in_failures; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.sign_in_failures (id, login, address, at) FROM stdin;
\.


--
-- Data for Name: templates; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.templates (id, version, unit_id, retired_at) FROM stdin;
a52c0926-e722-45f6-a046-58be973f54a9	1	a6a83108-802e-45bf-b7d7-22805c7a0f04	\N
\.


--
-- Data for Name: units; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.units (id, name, retention_days, feed_seq, created_at, active) FROM stdin;
a6a83108-802e-45bf-b7d7-22805c7a0f04	Børnehuset Kastanjen	365	14	2026-12-02 00:01:18.173698+00	t
\.


--
-- Name: audit_log_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.audit_log_id_seq', 20, true);


--
-- Name: conflicts_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.conflicts_id_seq', 1, true);


--
-- Name: focus_steps_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.focus_steps_id_seq', 1, false);


--
-- Name: sign_in_failures_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.sign_in_failures_id_seq', 1, false);


--
-- Name: account_units account_units_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.account_units
    ADD CONSTRAINT account_units_pkey PRIMARY KEY (account_id, unit_id);


--
-- Name: accounts accounts_login_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.accounts
    ADD CONSTRAINT accounts_login_key UNIQUE (login);


--
-- Name: accounts accounts_person_id_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.accounts
    ADD CONSTRAINT accounts_person_id_key UNIQUE (person_id);


--
-- Name: accounts accounts_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.accounts
    ADD CONSTRAINT accounts_pkey PRIMARY KEY (id);


--
-- Name: audit_log audit_log_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.audit_log
    ADD CONSTRAINT audit_log_pkey PRIMARY KEY (id);


--
-- Name: changes changes_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.changes
    ADD CONSTRAINT changes_pkey PRIMARY KEY (change_id);


--
-- Name: conflicts conflicts_change_id_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.conflicts
    ADD CONSTRAINT conflicts_change_id_key UNIQUE (change_id);


--
-- Name: conflicts conflicts_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.conflicts
    ADD CONSTRAINT conflicts_pkey PRIMARY KEY (id);


--
-- Name: devices devices_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.devices
    ADD CONSTRAINT devices_pkey PRIMARY KEY (id);


--
-- Name: enrol_codes enrol_codes_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.enrol_codes
    ADD CONSTRAINT enrol_codes_pkey PRIMARY KEY (code_sha256);


--
-- Name: fact_obs_count fact_obs_count_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.fact_obs_count
    ADD CONSTRAINT fact_obs_count_pkey PRIMARY KEY (observation_id, kind, key);


--
-- Name: fact_obs fact_obs_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.fact_obs
    ADD CONSTRAINT fact_obs_pkey PRIMARY KEY (observation_id);


--
-- Name: fact_obs_rating fact_obs_rating_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.fact_obs_rating
    ADD CONSTRAINT fact_obs_rating_pkey PRIMARY KEY (observation_id, sign_id);


--
-- Name: fact_obs_state fact_obs_state_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.fact_obs_state
    ADD CONSTRAINT fact_obs_state_pkey PRIMARY KEY (observation_id, key);


--
-- Name: focus_steps focus_steps_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.focus_steps
    ADD CONSTRAINT focus_steps_pkey PRIMARY KEY (id);


--
-- Name: focuses focuses_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.focuses
    ADD CONSTRAINT focuses_pkey PRIMARY KEY (id, version);


--
-- Name: invites invites_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.invites
    ADD CONSTRAINT invites_pkey PRIMARY KEY (token_sha256);


--
-- Name: items items_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.items
    ADD CONSTRAINT items_pkey PRIMARY KEY (entity, key);


--
-- Name: observations observations_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.observations
    ADD CONSTRAINT observations_pkey PRIMARY KEY (id);


--
-- Name: people people_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.people
    ADD CONSTRAINT people_pkey PRIMARY KEY (id);


--
-- Name: roll_month_count roll_month_count_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.roll_month_count
    ADD CONSTRAINT roll_month_count_pkey PRIMARY KEY (unit_id, focus_id, month, kind, key);


--
-- Name: roll_month roll_month_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.roll_month
    ADD CONSTRAINT roll_month_pkey PRIMARY KEY (unit_id, focus_id, month);


--
-- Name: roll_month_sign roll_month_sign_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.roll_month_sign
    ADD CONSTRAINT roll_month_sign_pkey PRIMARY KEY (unit_id, focus_id, month, sign_id, n_scale);


--
-- Name: rooms rooms_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.rooms
    ADD CONSTRAINT rooms_pkey PRIMARY KEY (id);


--
-- Name: schema_migrations schema_migrations_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.schema_migrations
    ADD CONSTRAINT schema_migrations_pkey PRIMARY KEY (version);


--
-- Name: sessions sessions_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.sessions
    ADD CONSTRAINT sessions_pkey PRIMARY KEY (token_sha256);


--
-- Name: sign_in_failures sign_in_failures_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.sign_in_failures
    ADD CONSTRAINT sign_in_failures_pkey PRIMARY KEY (id);


--
-- Name: templates templates_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.templates
    ADD CONSTRAINT templates_pkey PRIMARY KEY (id, version);


--
-- Name: units units_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.units
    ADD CONSTRAINT units_pkey PRIMARY KEY (id);


--
-- Name: audit_log_subject; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX audit_log_subject ON public.audit_log USING btree (subject) WHERE (subject <> ''::text);


--
-- Name: audit_log_unit; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX audit_log_unit ON public.audit_log USING btree (unit_id, id);


--
-- Name: fact_obs_focus; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX fact_obs_focus ON public.fact_obs USING btree (focus_id, started_at);


--
-- Name: fact_obs_group; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX fact_obs_group ON public.fact_obs USING btree (unit_id, focus_id, month);


--
-- Name: fact_obs_observee; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX fact_obs_observee ON public.fact_obs USING btree (observee_id);


--
-- Name: fact_obs_observer; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX fact_obs_observer ON public.fact_obs USING btree (observer_id);


--
-- Name: fact_obs_pair; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX fact_obs_pair ON public.fact_obs USING btree (unit_id, pair_code) WHERE (pair_code <> ''::text);


--
-- Name: fact_obs_rating_sign; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX fact_obs_rating_sign ON public.fact_obs_rating USING btree (sign_id);


--
-- Name: fact_obs_template; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX fact_obs_template ON public.fact_obs USING btree (template_id, template_version);


--
-- Name: fact_obs_unit; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX fact_obs_unit ON public.fact_obs USING btree (unit_id, started_at);


--
-- Name: focus_steps_focus; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX focus_steps_focus ON public.focus_steps USING btree (focus_id, id);


--
-- Name: items_feed; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX items_feed ON public.items USING btree (unit_id, seq);


--
-- Name: items_obs; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX items_obs ON public.items USING btree (observation_id) WHERE (observation_id <> ''::text);


--
-- Name: observations_observee; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX observations_observee ON public.observations USING btree (observee_id);


--
-- Name: observations_observer; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX observations_observer ON public.observations USING btree (observer_id);


--
-- Name: roll_month_count_focus; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX roll_month_count_focus ON public.roll_month_count USING btree (focus_id, month);


--
-- Name: roll_month_focus; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX roll_month_focus ON public.roll_month USING btree (focus_id, month);


--
-- Name: roll_month_sign_focus; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX roll_month_sign_focus ON public.roll_month_sign USING btree (focus_id, month);


--
-- Name: sessions_account; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX sessions_account ON public.sessions USING btree (account_id);


--
-- Name: sign_in_failures_address; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX sign_in_failures_address ON public.sign_in_failures USING btree (address, at);


--
-- Name: sign_in_failures_login; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX sign_in_failures_login ON public.sign_in_failures USING btree (login, at);


--
-- Name: account_units account_units_account_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.account_units
    ADD CONSTRAINT account_units_account_id_fkey FOREIGN KEY (account_id) REFERENCES public.accounts(id) ON DELETE CASCADE;


--
-- Name: account_units account_units_unit_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.account_units
    ADD CONSTRAINT account_units_unit_id_fkey FOREIGN KEY (unit_id) REFERENCES public.units(id);


--
-- Name: accounts accounts_person_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.accounts
    ADD CONSTRAINT accounts_person_id_fkey FOREIGN KEY (person_id) REFERENCES public.people(id) ON DELETE CASCADE;


--
-- Name: devices devices_unit_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.devices
    ADD CONSTRAINT devices_unit_id_fkey FOREIGN KEY (unit_id) REFERENCES public.units(id);


--
-- Name: enrol_codes enrol_codes_unit_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.enrol_codes
    ADD CONSTRAINT enrol_codes_unit_id_fkey FOREIGN KEY (unit_id) REFERENCES public.units(id);


--
-- Name: fact_obs_count fact_obs_count_observation_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.fact_obs_count
    ADD CONSTRAINT fact_obs_count_observation_id_fkey FOREIGN KEY (observation_id) REFERENCES public.fact_obs(observation_id) ON DELETE CASCADE;


--
-- Name: fact_obs_rating fact_obs_rating_observation_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.fact_obs_rating
    ADD CONSTRAINT fact_obs_rating_observation_id_fkey FOREIGN KEY (observation_id) REFERENCES public.fact_obs(observation_id) ON DELETE CASCADE;


--
-- Name: fact_obs_state fact_obs_state_observation_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.fact_obs_state
    ADD CONSTRAINT fact_obs_state_observation_id_fkey FOREIGN KEY (observation_id) REFERENCES public.fact_obs(observation_id) ON DELETE CASCADE;


--
-- Name: focus_steps focus_steps_unit_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.focus_steps
    ADD CONSTRAINT focus_steps_unit_id_fkey FOREIGN KEY (unit_id) REFERENCES public.units(id);


--
-- Name: focuses focuses_unit_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.focuses
    ADD CONSTRAINT focuses_unit_id_fkey FOREIGN KEY (unit_id) REFERENCES public.units(id);


--
-- Name: invites invites_account_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.invites
    ADD CONSTRAINT invites_account_id_fkey FOREIGN KEY (account_id) REFERENCES public.accounts(id) ON DELETE CASCADE;


--
-- Name: items items_unit_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.items
    ADD CONSTRAINT items_unit_id_fkey FOREIGN KEY (unit_id) REFERENCES public.units(id);


--
-- Name: observations observations_observee_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.observations
    ADD CONSTRAINT observations_observee_id_fkey FOREIGN KEY (observee_id) REFERENCES public.people(id);


--
-- Name: observations observations_observer_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.observations
    ADD CONSTRAINT observations_observer_id_fkey FOREIGN KEY (observer_id) REFERENCES public.people(id);


--
-- Name: observations observations_unit_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.observations
    ADD CONSTRAINT observations_unit_id_fkey FOREIGN KEY (unit_id) REFERENCES public.units(id);


--
-- Name: people people_room_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.people
    ADD CONSTRAINT people_room_id_fkey FOREIGN KEY (room_id) REFERENCES public.rooms(id);


--
-- Name: people people_unit_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.people
    ADD CONSTRAINT people_unit_id_fkey FOREIGN KEY (unit_id) REFERENCES public.units(id);


--
-- Name: rooms rooms_unit_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.rooms
    ADD CONSTRAINT rooms_unit_id_fkey FOREIGN KEY (unit_id) REFERENCES public.units(id);


--
-- Name: sessions sessions_account_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.sessions
    ADD CONSTRAINT sessions_account_id_fkey FOREIGN KEY (account_id) REFERENCES public.accounts(id) ON DELETE CASCADE;


--
-- Name: templates templates_unit_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.templates
    ADD CONSTRAINT templates_unit_id_fkey FOREIGN KEY (unit_id) REFERENCES public.units(id);


--
-- PostgreSQL database dump complete
--


