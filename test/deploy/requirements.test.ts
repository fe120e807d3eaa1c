// Holds the infrastructure to what the deployment promises: database safety, Pub/Sub dead-lettering, invokers, outputs, app.yaml.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  block,
  asBodies,
  instance,
  instancesOfType,
  isObject,
  loadAppYaml,
  loadTerraform,
  localsOf,
  moduleFiles,
  namedBlocks,
  resource,
  resourcesOfType,
  ROOT,
  type Body,
} from './infra.js';

const files = await loadTerraform();
const mod = moduleFiles(files);
const locals = localsOf(mod);
const variables = new Map(namedBlocks(mod, 'variable').map((v) => [v.name, v.body]));

describe('module layout', () => {
  it('one file per concern', () => {
    const names = new Set(mod.map((f) => f.path.slice(f.path.lastIndexOf('/') + 1)));
    for (const name of [
      'services.tf',
      'iam.tf',
      'sql.tf',
      'pubsub.tf',
      'functions.tf',
      'scheduler.tf',
      'secrets.tf',
      'appengine.tf',
      'variables.tf',
      'outputs.tf',
      'versions.tf',
      'storage.tf',
    ]) {
      assert.ok(names.has(name), `terraform/modules/trainingroom/${name} is missing`);
    }
  });

  it('the APIs everything depends on are enabled, and left on when destroyed', () => {
    const services = resource(mod, 'google_project_service', 'enabled');
    assert.equal(services.body.disable_on_destroy, false);
    const list = String(locals.services);
    for (const api of [
      'appengine',
      'cloudfunctions',
      'run',
      'cloudbuild',
      'artifactregistry',
      'pubsub',
      'sqladmin',
      'secretmanager',
      'cloudscheduler',
      'iamcredentials',
    ]) {
      assert.match(list, new RegExp(`"${api}\\.googleapis\\.com"`), api);
    }
  });
});

describe('service accounts', () => {
  it('one for the app, each function, the scheduler, the Pub/Sub push, the builder and the migrator', () => {
    const identities = locals.runtime_identities as Body;
    assert.deepEqual(Object.keys(identities).sort(), ['app', 'backfill', 'deliver-activities', 'import-archive', 'process-strava-event', 'update-tokens']);
    const accounts = instancesOfType(mod, 'google_service_account');
    assert.deepEqual(accounts.map((a) => a.key).sort(), [
      'app',
      'backfill',
      'deliver-activities',
      'functions-builder',
      'import-archive',
      'migrator',
      'process-strava-event',
      'pubsub-pusher',
      'scheduler',
      'update-tokens',
    ]);
    const ids = accounts.map((a) => String(a.body.account_id));
    for (const id of ids) assert.match(id, /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/, `${id} is not a valid account id`);
    assert.equal(new Set(ids).size, ids.length);
  });

  it('the functions build as the dedicated builder, not the default compute account', () => {
    for (const fn of instancesOfType(mod, 'google_cloudfunctions2_function')) {
      assert.equal(block(fn.body, 'build_config')?.service_account, '${google_service_account.account["functions-builder"].id}', fn.name);
    }
  });

  it("no function build starts before the builder's role has propagated", () => {
    const grant = resource(mod, 'google_project_iam_member', 'functions_builder').body;
    assert.equal(grant.role, 'roles/cloudbuild.builds.builder');
    assert.equal(grant.member, 'serviceAccount:${google_service_account.account["functions-builder"].email}');
    const sleep = resource(mod, 'time_sleep', 'builder_roles_propagated').body;
    // IAM changes can take minutes to apply; a minute is the least worth waiting.
    const seconds = Number(/^(\d+)s$/.exec(String(sleep.create_duration))?.[1]);
    assert.ok(seconds >= 60, `create_duration ${String(sleep.create_duration)}`);
    // Sleeping again when the grant is re-created is what makes a replaced grant wait too.
    assert.match(JSON.stringify(sleep.triggers), /google_project_iam_member\.functions_builder\.id/);
    for (const fn of instancesOfType(mod, 'google_cloudfunctions2_function')) {
      assert.ok(
        (fn.body.depends_on as string[]).includes('${time_sleep.builder_roles_propagated}'),
        `${fn.name} must wait for time_sleep.builder_roles_propagated`,
      );
    }
  });

  it('the time provider that time_sleep needs is declared wherever Terraform runs', () => {
    for (const file of files.filter((f) => f.path.endsWith('versions.tf'))) {
      const providers = JSON.stringify(file.json.terraform);
      assert.match(providers, /"time":\[?\{"source":"hashicorp\/time"/, `${file.path} must require hashicorp/time`);
    }
  });

  it("App Engine's build account holds the build role, granted explicitly (no default grant is relied on)", () => {
    const grant = resource(mod, 'google_project_iam_member', 'app_engine_builder').body;
    assert.equal(grant.role, 'roles/cloudbuild.builds.builder');
    assert.equal(grant.member, 'serviceAccount:${data.google_app_engine_default_service_account.default.email}');
  });
});

describe('Cloud SQL', () => {
  const instance = resource(mod, 'google_sql_database_instance', 'main');
  const settings = block(instance.body, 'settings')!;

  it('Postgres 15 with IAM database authentication', () => {
    assert.equal(instance.body.database_version, 'POSTGRES_15');
    const flags = asBodies(settings.database_flags);
    assert.ok(flags.some((f) => f.name === 'cloudsql.iam_authentication' && f.value === 'on'));
  });

  it('backups and point-in-time recovery on', () => {
    const backup = block(settings, 'backup_configuration')!;
    assert.equal(backup.enabled, true);
    assert.equal(backup.point_in_time_recovery_enabled, true);
    assert.ok(block(backup, 'backup_retention_settings'));
  });

  it('deletion protection on (Terraform and API), by default', () => {
    assert.equal(instance.body.deletion_protection, '${var.deletion_protection}');
    assert.equal(settings.deletion_protection_enabled, '${var.deletion_protection}');
    assert.equal(variables.get('deletion_protection')?.default, true);
  });

  it('reachable only through the connectors, no authorized networks', () => {
    assert.equal(settings.connector_enforcement, 'REQUIRED');
    assert.equal(block(settings, 'ip_configuration')?.authorized_networks, undefined);
  });

  it('TLS with a trusted client certificate required (the connectors always present one)', () => {
    // The values of the Cloud SQL Admin API's IpConfiguration.SslMode; only the last checks the client.
    const modes = ['ALLOW_UNENCRYPTED_AND_ENCRYPTED', 'ENCRYPTED_ONLY', 'TRUSTED_CLIENT_CERTIFICATE_REQUIRED'];
    const mode = block(settings, 'ip_configuration')?.ssl_mode;
    assert.ok(modes.includes(String(mode)), `ssl_mode ${String(mode)} is not a Cloud SQL SSL mode`);
    assert.equal(mode, 'TRUSTED_CLIENT_CERTIFICATE_REQUIRED');
  });

  it('IAM database users for the app, every function and the migrator', () => {
    const users = resource(mod, 'google_sql_user', 'iam');
    assert.equal(users.body.type, 'CLOUD_IAM_SERVICE_ACCOUNT');
    assert.equal(users.body.for_each, '${local.database_principals}');
    assert.match(String(locals.database_principals), /local\.runtime_emails.*migrator/s);
    // DATABASE_USER is the email without the domain suffix.
    assert.match(String(locals.database_users), /trimsuffix\(email, "\.gserviceaccount\.com"\)/);
  });

  it('the database the config defaults to', () => {
    assert.equal(resource(mod, 'google_sql_database', 'main').body.name, '${var.database_name}');
    assert.equal(variables.get('database_name')?.default, 'training');
  });
});

describe('Pub/Sub pipelines: retries, dead letters, and the service agent grants', () => {
  // Instance addresses (for_each over local.pushed_topics and local.functions).
  const pipelines = [
    {
      push: 'push["strava-events"]',
      dlqTopic: 'dead_letter["strava-events"]',
      pull: 'dead_letter_pull["strava-events"]',
      fn: 'function["process-strava-event"]',
    },
    { push: 'push["strava-backfill"]', dlqTopic: 'dead_letter["strava-backfill"]', pull: 'dead_letter_pull["strava-backfill"]', fn: 'function["backfill"]' },
    {
      push: 'push["archive-uploads"]',
      dlqTopic: 'dead_letter["archive-uploads"]',
      pull: 'dead_letter_pull["archive-uploads"]',
      fn: 'function["import-archive"]',
    },
    {
      push: 'push["activity-deliveries"]',
      dlqTopic: 'dead_letter["activity-deliveries"]',
      pull: 'dead_letter_pull["activity-deliveries"]',
      fn: 'function["deliver-activities"]',
    },
  ];
  const topicIam = instancesOfType(mod, 'google_pubsub_topic_iam_member');
  const subscriptionIam = instancesOfType(mod, 'google_pubsub_subscription_iam_member');

  for (const p of pipelines) {
    it(`${p.push}: retry policy, max delivery attempts, dead-letter topic, never expires`, () => {
      const sub = instance(mod, 'google_pubsub_subscription', p.push).body;
      assert.ok(block(sub, 'retry_policy')?.minimum_backoff);
      const dlq = block(sub, 'dead_letter_policy')!;
      assert.equal(dlq.dead_letter_topic, `\${google_pubsub_topic.${p.dlqTopic}.id}`);
      assert.equal(dlq.max_delivery_attempts, '${var.max_delivery_attempts}');
      assert.equal(block(sub, 'expiration_policy')?.ttl, '');
      // The function's timeout must fit in the ack deadline, or Pub/Sub redelivers work still running.
      const timeout = Number(block(instance(mod, 'google_cloudfunctions2_function', p.fn).body, 'service_config')?.timeout_seconds);
      assert.ok(Number(sub.ack_deadline_seconds) > timeout, `${p.push}: ack deadline must exceed the function timeout ${timeout}s`);
    });

    it(`${p.push}: the Pub/Sub service agent may publish dead letters and acknowledge the source`, () => {
      assert.ok(
        topicIam.some(
          (b) =>
            b.body.topic === `\${google_pubsub_topic.${p.dlqTopic}.name}` &&
            b.body.role === 'roles/pubsub.publisher' &&
            b.body.member === '${local.pubsub_service_agent}',
        ),
      );
      assert.ok(
        subscriptionIam.some(
          (b) =>
            b.body.subscription === `\${google_pubsub_subscription.${p.push}.name}` &&
            b.body.role === 'roles/pubsub.subscriber' &&
            b.body.member === '${local.pubsub_service_agent}',
        ),
      );
    });

    it(`${p.pull}: a pull subscription on the dead-letter topic for inspection and replay`, () => {
      const pull = instance(mod, 'google_pubsub_subscription', p.pull).body;
      assert.equal(pull.topic, `\${google_pubsub_topic.${p.dlqTopic}.id}`);
      assert.equal(pull.push_config, undefined);
      assert.equal(block(pull, 'expiration_policy')?.ttl, '');
    });
  }

  it('no push subscription orders its messages (the processor does not need order; see pubsub.tf)', () => {
    for (const p of pipelines) {
      // Written out, so the choice is visible and a provider default cannot change it.
      assert.equal(instance(mod, 'google_pubsub_subscription', p.push).body.enable_message_ordering, false, p.push);
    }
  });

  it('each dead-letter grant is re-created when its subscription or topic is replaced', () => {
    const follows = (b: { body: Body }, target: string) => {
      const lifecycle = block(b.body, 'lifecycle');
      const triggers = (lifecycle?.replace_triggered_by ?? []) as string[];
      return triggers.includes(`\${${target}}`);
    };
    for (const p of pipelines) {
      const subscriber = subscriptionIam.find(
        (b) => b.body.subscription === `\${google_pubsub_subscription.${p.push}.name}` && b.body.member === '${local.pubsub_service_agent}',
      );
      assert.ok(
        subscriber && follows(subscriber, `google_pubsub_subscription.${p.push}`),
        `${p.push}: the subscriber grant must have replace_triggered_by its subscription`,
      );
      const publisher = topicIam.find(
        (b) => b.body.topic === `\${google_pubsub_topic.${p.dlqTopic}.name}` && b.body.member === '${local.pubsub_service_agent}',
      );
      assert.ok(
        publisher && follows(publisher, `google_pubsub_topic.${p.dlqTopic}`),
        `${p.dlqTopic}: the publisher grant must have replace_triggered_by its topic`,
      );
    }
  });

  it('the Pub/Sub service agent gets no token-creator grant (only projects from before April 2021 need one)', () => {
    const grants = [...instancesOfType(mod, 'google_service_account_iam_member'), ...instancesOfType(mod, 'google_project_iam_member')];
    const minted = grants.filter((b) => b.body.member === '${local.pubsub_service_agent}' && b.body.role === 'roles/iam.serviceAccountTokenCreator');
    assert.deepEqual(
      minted.map((b) => b.name),
      [],
    );
  });

  it('the service agent is the project-number address', () => {
    assert.equal(locals.pubsub_service_agent, 'serviceAccount:service-${data.google_project.this.number}@gcp-sa-pubsub.iam.gserviceaccount.com');
  });
});

describe('the archive upload bucket', () => {
  const bucket = resource(mod, 'google_storage_bucket', 'archive_uploads').body;

  it('private: uniform access, public access prevented, and deleted objects gone at once (no soft delete)', () => {
    assert.equal(bucket.uniform_bucket_level_access, true);
    assert.equal(bucket.public_access_prevention, 'enforced');
    assert.equal(block(bucket, 'soft_delete_policy')?.retention_duration_seconds, 0);
  });

  it('a lifecycle rule deletes whatever an import left behind after a few days', () => {
    const rule = block(bucket, 'lifecycle_rule')!;
    assert.equal(block(rule, 'action')?.type, 'Delete');
    assert.equal(block(rule, 'condition')?.age, '${var.archive_upload_retention_days}');
    const days = Number(variables.get('archive_upload_retention_days')?.default);
    assert.ok(days >= 1 && days <= 7, `uploads kept ${days} days`);
  });

  it("CORS lets only the site's pages send resumable chunks and read how much arrived", () => {
    const cors = block(bucket, 'cors')!;
    assert.deepEqual(cors.origin, ['${local.public_base_url}']);
    for (const method of ['PUT', 'OPTIONS']) assert.ok((cors.method as string[]).includes(method), method);
    // A 308 carries Range (what the bucket holds), which the page must read to resume.
    for (const header of ['Range', 'Content-Range', 'X-Goog-Resumable']) assert.ok((cors.response_header as string[]).includes(header), header);
  });

  it('new objects under uploads/ notify the archive topic (OBJECT_FINALIZE only), which the storage agent may publish to', () => {
    const notification = resource(mod, 'google_storage_notification', 'archive_uploads').body;
    assert.equal(notification.bucket, '${google_storage_bucket.archive_uploads.name}');
    assert.equal(notification.topic, '${google_pubsub_topic.push["archive-uploads"].id}');
    assert.deepEqual(notification.event_types, ['OBJECT_FINALIZE']);
    assert.equal(notification.object_name_prefix, 'uploads/');
    assert.equal(notification.payload_format, 'JSON_API_V1');
    const notifier = resource(mod, 'google_pubsub_topic_iam_member', 'archive_notifier').body;
    assert.equal(notifier.topic, '${google_pubsub_topic.push["archive-uploads"].name}');
    assert.equal(notifier.role, 'roles/pubsub.publisher');
    assert.equal(notifier.member, 'serviceAccount:${data.google_storage_project_service_account.gcs.email_address}');
  });

  it('the app (which opens the sessions) and the import function (which reads them) are told this bucket, and no other function is', () => {
    const appOutput = namedBlocks(mod, 'output').find((o) => o.name === 'app_engine_env_variables');
    assert.ok(isObject(appOutput?.body.value));
    assert.equal(appOutput.body.value.ARCHIVE_BUCKET, '${google_storage_bucket.archive_uploads.name}');
    for (const fn of instancesOfType(mod, 'google_cloudfunctions2_function')) {
      const environment = String(block(fn.body, 'service_config')?.environment_variables);
      const bucket = /\bARCHIVE_BUCKET\s*=\s*(\S+)/.exec(environment)?.[1];
      if (fn.name === 'function["import-archive"]') assert.equal(bucket, 'google_storage_bucket.archive_uploads.name');
      else assert.equal(bucket, undefined, `${fn.name} needs no bucket`);
    }
  });

  it('only the app and the import function may touch its objects, on this bucket only, and no one else in the project', () => {
    const onBucket = (body: Body) => String(body.bucket).includes('google_storage_bucket.archive_uploads.');
    const grants = [...resourcesOfType(mod, 'google_storage_bucket_iam_member'), ...resourcesOfType(mod, 'google_storage_bucket_iam_binding')].filter((g) =>
      onBucket(g.body),
    );
    assert.deepEqual(
      grants.map((g) => g.name),
      ['archive_objects'],
    );
    const grant = grants[0]!.body;
    assert.equal(grant.role, 'roles/storage.objectUser');
    assert.equal(grant.for_each, '${toset(["app", "import-archive"])}');
    assert.equal(grant.member, 'serviceAccount:${google_service_account.account[each.key].email}');
    assert.deepEqual(
      resourcesOfType(mod, 'google_project_iam_member').filter((g) => String(g.body.role).startsWith('roles/storage.')),
      [],
    );
  });
});

describe('invokers', () => {
  const invokers = [
    ...instancesOfType(mod, 'google_cloud_run_v2_service_iam_member').map((b) => ({ target: String(b.body.name), role: b.body.role, member: b.body.member })),
    ...instancesOfType(mod, 'google_cloud_run_service_iam_member').map((b) => ({ target: String(b.body.service), role: b.body.role, member: b.body.member })),
    ...instancesOfType(mod, 'google_cloudfunctions2_function_iam_member').map((b) => ({
      target: String(b.body.cloud_function),
      role: b.body.role,
      member: b.body.member,
    })),
  ];
  const of = (fn: string) =>
    invokers.filter((i) => i.target.includes(`google_cloudfunctions2_function.${fn}.`)).map((i) => `${String(i.role)} ${String(i.member)}`);

  it('only the Pub/Sub pusher may invoke processStravaEvent, backfill, importArchive and deliverActivities', () => {
    for (const fn of ['function["process-strava-event"]', 'function["backfill"]', 'function["import-archive"]', 'function["deliver-activities"]']) {
      assert.deepEqual(of(fn), ['roles/run.invoker serviceAccount:${google_service_account.account["pubsub-pusher"].email}'], fn);
    }
  });

  it('only the scheduler may invoke update_tokens, and the job authenticates as it', () => {
    assert.deepEqual(of('function["update-tokens"]'), ['roles/run.invoker serviceAccount:${google_service_account.account["scheduler"].email}']);
    const target = block(resource(mod, 'google_cloud_scheduler_job', 'update_tokens').body, 'http_target')!;
    const oidc = block(target, 'oidc_token')!;
    assert.equal(oidc.service_account_email, '${google_service_account.account["scheduler"].email}');
    assert.equal(oidc.audience, target.uri);
    assert.equal(target.uri, '${google_cloudfunctions2_function.function["update-tokens"].service_config[0].uri}');
  });

  it('no other invoker grants', () => {
    assert.equal(invokers.length, 5);
  });

  it('every function takes internal traffic only, and its callers use the run.app URL that makes them internal', () => {
    for (const fn of instancesOfType(mod, 'google_cloudfunctions2_function')) {
      assert.equal(block(fn.body, 'service_config')?.ingress_settings, 'ALLOW_INTERNAL_ONLY', fn.name);
    }
    // Pub/Sub push and Cloud Scheduler count as internal when they call the run.app URL, which is
    // service_config[0].uri (a function's own url is the cloudfunctions.net one).
    const callers = [
      ...instancesOfType(mod, 'google_pubsub_subscription').flatMap((s) =>
        block(s.body, 'push_config') ? [String(block(s.body, 'push_config')?.push_endpoint)] : [],
      ),
      String(block(resource(mod, 'google_cloud_scheduler_job', 'update_tokens').body, 'http_target')?.uri),
    ];
    assert.equal(callers.length, 5);
    for (const uri of callers) assert.match(uri, /^\$\{google_cloudfunctions2_function\.function\["[\w-]+"\]\.service_config\[0\]\.uri\}/, uri);
  });
});

describe('functions source', () => {
  it('uploaded from the local archive, its md5 in the object name so a change redeploys', () => {
    const object = resource(mod, 'google_storage_bucket_object', 'functions_source').body;
    assert.equal(object.source, '${var.functions_source_zip}');
    assert.match(String(object.name), /\$\{filemd5\(var\.functions_source_zip\)\}/);
    for (const fn of instancesOfType(mod, 'google_cloudfunctions2_function')) {
      const storage = block(block(block(fn.body, 'build_config'), 'source'), 'storage_source')!;
      assert.equal(storage.bucket, '${local.function_build_source.bucket}');
      assert.equal(storage.object, '${local.function_build_source.object}');
    }
    const source = locals.function_build_source as Body;
    assert.equal(source.object, '${google_storage_bucket_object.functions_source.name}');
  });

  it('the default archive path is the one the packaging script writes and git ignores', () => {
    const envVariables = namedBlocks(
      files.filter((f) => f.dir === 'terraform/environments/production'),
      'variable',
    );
    const zip = envVariables.find((v) => v.name === 'functions_source_zip');
    assert.equal(join('terraform/environments/production', String(zip?.body.default)), 'functions-source.zip');
    assert.match(readFileSync(join(ROOT, '.gitignore'), 'utf8'), /^\/functions-source\.zip$/m);
  });
});

describe('outputs an operator needs', () => {
  for (const dir of ['terraform/modules/trainingroom', 'terraform/environments/production']) {
    it(dir, () => {
      const outputs = new Set(
        namedBlocks(
          files.filter((f) => f.dir === dir),
          'output',
        ).map((o) => o.name),
      );
      for (const name of [
        'app_url',
        'webhook_callback_url',
        'function_urls',
        'service_account_emails',
        'instance_connection_name',
        'database_users',
        'database_bootstrap_sql',
        'app_engine_env_variables',
      ]) {
        assert.ok(outputs.has(name), `${dir} has no output ${name}`);
      }
    });
  }
});

describe('app.yaml', () => {
  const app = loadAppYaml();

  it('Node 24 on App Engine standard, starting the compiled server', () => {
    assert.equal(app.runtime, 'nodejs24');
    assert.equal(app.entrypoint, 'node dist/app/server.js');
    // tsc -p tsconfig.build.json maps app/server.ts to dist/app/server.js.
    assert.ok(existsSync(join(ROOT, 'app', 'server.ts')));
    const build = JSON.parse(readFileSync(join(ROOT, 'tsconfig.build.json'), 'utf8')) as { compilerOptions?: { outDir?: string; rootDir?: string } };
    assert.equal(build.compilerOptions?.outDir, 'dist');
    assert.equal(build.compilerOptions?.rootDir, '.');
  });

  it('an instance class and bounded automatic scaling', () => {
    assert.match(String(app.instance_class), /^F(1|2|4|4_1G)$/);
    assert.ok(isObject(app.automatic_scaling as Body));
    assert.ok(Number(app.automatic_scaling?.max_instances) >= 1);
  });

  it('every handler is HTTPS only', () => {
    const handlers = app.handlers ?? [];
    assert.ok(handlers.length >= 1);
    for (const h of handlers) assert.equal(h.secure, 'always', String(h.url));
  });

  it('holds nothing one deployment fills in: the service account and environment come from terraform output', () => {
    assert.equal(app.service_account, undefined);
    assert.equal(app.env_variables, undefined);
    const text = readFileSync(join(ROOT, 'app.yaml'), 'utf8');
    assert.doesNotMatch(text.replace(/^#.*$/gm, ''), /PROJECT_ID|REGION_ID|STRAVA_CLIENT_ID/);
    assert.match(readFileSync(join(ROOT, '.gitignore'), 'utf8'), /^\/app\.deploy\.yaml$/m, 'the generated file stays out of git');
  });
});
