// Checks every Terraform resource and data block against the google provider schema snapshot (terraform validate needs the network).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import {
  blocksOf,
  checkAgainstSchema,
  danglingReferences,
  instancesOfType,
  loadSchema,
  loadTerraform,
  movedProblems,
  parseTerraform,
  TERRAFORM_DIR,
  type TfFile,
} from './infra.js';

async function snippet(text: string): Promise<TfFile[]> {
  return [{ path: 'snippet.tf', dir: 'snippet', json: await parseTerraform('snippet.tf', text) }];
}

describe('Terraform against the provider schema', () => {
  const schema = loadSchema();

  it('the snapshot is the one SOURCE.md describes', () => {
    assert.match(schema.source, /hashicorp\/google 6\.50\.0/);
    assert.ok(Object.keys(schema.resources).length > 20);
  });

  it('finds the Terraform files', async () => {
    const files = await loadTerraform();
    assert.ok(files.length >= 10, `only ${files.length} .tf files under terraform/`);
    assert.ok(blocksOf(files).length >= 30);
  });

  it('every resource and data block uses only known attributes and blocks and sets every required one', async () => {
    const errors = checkAgainstSchema(schema, await loadTerraform());
    assert.deepEqual(errors, []);
  });

  it('every reference to a resource, data source, variable, local or module is declared in the same directory', async () => {
    assert.deepEqual(danglingReferences(await loadTerraform()), []);
  });

  it('every moved block moves a no-longer-declared address to a declared resource instance', async () => {
    assert.deepEqual(movedProblems(await loadTerraform()), []);
  });

  it('terraform fmt -check finds nothing to reformat (when terraform is installed)', (t) => {
    let version: string;
    try {
      version = execFileSync('terraform', ['version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    } catch {
      t.skip('terraform is not installed');
      return;
    }
    t.diagnostic(version.split('\n')[0] ?? '');
    // Exits non-zero and lists the files when any needs formatting.
    execFileSync('terraform', ['fmt', '-check', '-recursive', TERRAFORM_DIR], { stdio: ['ignore', 'pipe', 'pipe'] });
  });

  describe('the checker itself', () => {
    it('catches unknown attributes, missing required ones, and both inside nested and dynamic blocks', async () => {
      const files = await snippet(`
        resource "google_pubsub_subscription" "bad" {
          topic  = "t"
          colour = "blue"
          push_config {
            wrong_nested = 1
            oidc_token {
              audience = "x"
            }
          }
          dynamic "retry_policy" {
            for_each = [1]
            content {
              not_there = "x"
            }
          }
          dynamic "no_such_block" {
            for_each = []
            content {}
          }
          labels {
            a = "b"
          }
          count = 1
          lifecycle {
            prevent_destroy = true
          }
        }
        data "google_project" "bad" {
          number = "123"
        }
        resource "google_sql_database_instance" "bad" {
          database_version = "POSTGRES_15"
          settings = {
            tier = "db-f1-micro"
          }
        }
        resource "google_secret_manager_secret" "bad" {
          secret_id = "s"
        }
        resource "google_not_a_type" "x" {}
      `);
      const errors = checkAgainstSchema(schema, files);
      const expected = [
        /google_pubsub_subscription\.bad: missing required attribute "name"/,
        /google_pubsub_subscription\.bad: unknown attribute or block "colour"/,
        /google_pubsub_subscription\.bad\.push_config: unknown attribute or block "wrong_nested"/,
        /google_pubsub_subscription\.bad\.push_config: missing required attribute "push_endpoint"/,
        /google_pubsub_subscription\.bad\.push_config\.oidc_token: missing required attribute "service_account_email"/,
        /dynamic\.retry_policy\.content: unknown attribute or block "not_there"/,
        /unknown block "no_such_block" \(in a dynamic block\)/,
        /"labels" is an attribute of type map\(string\), written as a block/,
        /data\.google_project\.bad: unknown attribute or block "number"/,
        /google_sql_database_instance\.bad: "settings" is a block, written as an attribute/,
        /google_secret_manager_secret\.bad: missing required block "replication"/,
        /google_not_a_type\.x: type not in the provider schema snapshot/,
      ];
      for (const pattern of expected)
        assert.ok(
          errors.some((e) => pattern.test(e)),
          `expected an error matching ${pattern}\n${errors.join('\n')}`,
        );
      assert.equal(errors.length, expected.length, errors.join('\n'));
    });

    it('accepts a correct block, meta-arguments and a dynamic block for a required block', async () => {
      const files = await snippet(`
        resource "google_secret_manager_secret" "ok" {
          for_each  = toset(["a"])
          secret_id = each.value
          dynamic "replication" {
            for_each = [1]
            content {
              auto {}
            }
          }
          depends_on = []
          provider   = google
          lifecycle {
            ignore_changes = [labels]
          }
        }
      `);
      assert.deepEqual(checkAgainstSchema(schema, files), []);
    });

    it('reports references to undeclared things', async () => {
      const files = await snippet(`
        locals {
          a = var.missing
          b = google_pubsub_topic.nowhere.id
          c = local.a
        }
      `);
      assert.deepEqual(
        danglingReferences(files).map((e) => e.replace(/^.*: /, '')),
        ['var.missing is not declared in snippet', 'google_pubsub_topic.nowhere is not declared in snippet'],
      );
    });

    it('expands for_each over a literal local map, filling in each.key and each.value', async () => {
      const files = await snippet(`
        locals {
          topics = {
            "a" = { ack = 60, fn = "f-a", env = {} }
            "b" = { ack = 600, fn = "f-b", env = { X = var.x } }
          }
        }
        resource "google_pubsub_subscription" "s" {
          for_each             = local.topics
          name                 = "\${each.key}-sub"
          topic                = google_pubsub_topic.t[each.key].id
          ack_deadline_seconds = each.value.ack
          labels               = merge({ K = each.value.fn }, each.value.env)
        }
        resource "google_pubsub_topic" "unresolved" {
          for_each = toset(var.names)
          name     = each.key
        }
      `);
      const subs = instancesOfType(files, 'google_pubsub_subscription');
      assert.deepEqual(
        subs.map((s) => s.name),
        ['s["a"]', 's["b"]'],
      );
      assert.deepEqual(subs[0]!.body, {
        name: 'a-sub',
        topic: '${google_pubsub_topic.t["a"].id}',
        ack_deadline_seconds: 60,
        labels: '${merge({ K = "f-a" }, {})}',
      });
      assert.equal(subs[1]!.body.ack_deadline_seconds, 600);
      assert.equal(subs[1]!.body.labels, '${merge({ K = "f-b" }, {\n  X = var.x\n})}');
      const [unresolved] = instancesOfType(files, 'google_pubsub_topic');
      assert.equal(unresolved!.unresolved, true, 'a for_each this reader cannot follow is reported, not guessed');
      assert.equal(unresolved!.name, 'unresolved');
    });

    it('expands for_each over grants paired from a map of lists (one per key and item), and no other for expression', async () => {
      const files = await snippet(`
        locals {
          topics = {
            "a" = { publishers = ["app", "fn"] }
            "b" = { publishers = ["fn"] }
          }
          readers = { "s" = ["app"] }
          grants = merge([
            for topic, spec in local.topics : {
              for publisher in spec.publishers : "\${topic}/\${publisher}" => { topic = topic, who = publisher }
            }
          ]...)
          reads = merge([
            for secret, list in local.readers : {
              for reader in list : "\${secret}/\${reader}" => { secret = secret, reader = reader }
            }
          ]...)
          other = { for topic, spec in local.topics : topic => { topic = topic } }
        }
        resource "google_pubsub_topic_iam_member" "g" {
          for_each = local.grants
          topic    = each.value.topic
          role     = "roles/pubsub.publisher"
          member   = "serviceAccount:\${each.value.who}@x"
        }
        resource "google_secret_manager_secret_iam_member" "r" {
          for_each  = local.reads
          secret_id = each.value.secret
          role      = "roles/secretmanager.secretAccessor"
          member    = each.value.reader
        }
        resource "google_pubsub_topic" "o" {
          for_each = local.other
          name     = each.key
        }
      `);
      const grants = instancesOfType(files, 'google_pubsub_topic_iam_member');
      assert.deepEqual(
        grants.map((g) => [g.name, g.body.topic, g.body.member]),
        [
          ['g["a/app"]', 'a', 'serviceAccount:app@x'],
          ['g["a/fn"]', 'a', 'serviceAccount:fn@x'],
          ['g["b/fn"]', 'b', 'serviceAccount:fn@x'],
        ],
      );
      assert.deepEqual(
        instancesOfType(files, 'google_secret_manager_secret_iam_member').map((r) => [r.name, r.body.secret_id, r.body.member]),
        [['r["s/app"]', 's', 'app']],
      );
      const [other] = instancesOfType(files, 'google_pubsub_topic');
      assert.equal(other!.unresolved, true, 'another for expression is reported, not guessed');
    });
    it('reports moved blocks that point nowhere, move a declared address, or move twice', async () => {
      const files = await snippet(`
        locals {
          topics = { "a" = {} }
        }
        resource "google_pubsub_topic" "t" {
          for_each = local.topics
          name     = each.key
        }
        resource "google_pubsub_topic" "kept" {
          name = "k"
        }
        moved {
          from = google_pubsub_topic.old
          to   = google_pubsub_topic.t["a"]
        }
        moved {
          from = google_pubsub_topic.old2
          to   = google_pubsub_topic.t["missing"]
        }
        moved {
          from = google_pubsub_topic.kept
          to   = google_pubsub_topic.t["a"]
        }
      `);
      assert.deepEqual(
        movedProblems(files).map((e) => e.replace(/^snippet\.tf: /, '')),
        [
          'moved to google_pubsub_topic.t["missing"]: no such resource instance is declared in snippet',
          'moved from google_pubsub_topic.kept: still declared in snippet',
          'moved to google_pubsub_topic.t["a"]: moved to twice',
        ],
      );
      assert.deepEqual(danglingReferences(files), [], 'a moved block names a removed address on purpose');
    });
  });
});
