//! Fixture pools as a scarce resource: a test domain with a few dozen accounts must give every
//! check a verdict. The runner reuses pool values as far as the spec allows, counts their uses
//! by what the target accepted, gives a use back when a delete succeeds, plans its draws before
//! sending anything, and says when a pool is too small (before the first request) or when it
//! ran fewer cases than asked.
//!
//! Against targets this project did not tune to: a small team server written here, served on
//! 127.0.0.1, with six user ids; and the embedded reference serving 40 Classroom user ids.

mod common;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use common::*;
use confuzz::reference::{Config, Reference};
use confuzz::run::FEWER_CASES;
use confuzz::run::{run, RowVerdict, RunError, RunOptions, RunReport};
use confuzz::serve::{spawn_server, ServeOptions};
use confuzz::spec::SpecSet;
use confuzz::target::HttpTarget;
use confuzz::{Request, Response};
use serde_json::{json, Map, Value};

const TEAMS: &str = r#"format: 1
vendor:
  id: club
  title: Club teams
  source: { document: Club team error table, file: club-errors.txt }
  auth: { scheme: bearer, token: club.token }
  envelope:
    body: json
    content_type: application/json
    schema: { type: object, required: [message], properties: { message: { type: string } } }
    pointers: { message: /message }
  fixtures:
    - { name: club.token, meaning: A token, secret: true }
    - name: club.user_ids
      meaning: Test accounts that join the run's teams
      schema: { type: array, items: { type: string } }
      pool:
        uses: { fixture: club.limit.user_teams }
        min_size: 4
        released_by:
          - { endpoint: member-remove, at: "path:user_id" }
    - { name: club.limit.team_members, meaning: Members a team may hold, schema: { type: integer } }
    - { name: club.limit.user_teams, meaning: Teams a user may belong to, schema: { type: integer } }
endpoints:
  - id: team-create
    summary: Create a team
    method: POST
    path: /teams
    body:
      encoding: json
      schema:
        type: object
        required: [name]
        properties: { name: { type: string, minLength: 1, maxLength: 40, x-unique: true } }
    success: [201]
  - id: member-add
    summary: Add a member to a team
    method: POST
    path: /teams/{team_id}/members
    params: { path: { team_id: { type: string, x-var: team_id } } }
    body:
      encoding: json
      schema:
        type: object
        required: [userId]
        properties: { userId: { type: string, x-pool: club.user_ids } }
    setup:
      - endpoint: team-create
        save: { team_id: "response:/id" }
    success: [200]
  - id: member-remove
    summary: Remove a member from a team
    method: DELETE
    path: /teams/{team_id}/members/{user_id}
    params:
      path:
        team_id: { type: string, x-var: team_id }
        user_id: { type: string, x-var: user_id }
    setup:
      - endpoint: team-create
        save: { team_id: "response:/id" }
      - endpoint: member-add
        save: { user_id: "request:/userId" }
    success: [200]
rows:
  - id: club.team.full
    title: Team is full
    group: team
    endpoints: [member-add]
    doc: { heading: Team full, response: '400 | {"message":"Team is full"}', line: 1 }
    expect: { status: 400, message: Team is full }
    trigger:
      kind: limit
      endpoint: member-add
      setup:
        - endpoint: team-create
          save: { full_team: "response:/id" }
        - endpoint: member-add
          ops: [{ set: { path:team_id: { var: full_team } } }]
          repeat: { fixture: club.limit.team_members }
      ops:
        - set: { path:team_id: { var: full_team } }
    explain: { meaning: m, cause: c, fix: f }
"#;

const TEAM_MEMBERS: u64 = 3;
const USER_TEAMS: u32 = 2;

fn teams_spec() -> SpecSet {
    spec_of(TEAMS)
}

/// The team spec where member-add creates a member and member-remove deletes one: the run
/// may undo its member creates when a case ends.
fn teams_spec_with_deletes() -> SpecSet {
    let text = edit(
        TEAMS,
        "        properties: { userId: { type: string, x-pool: club.user_ids } }\n    setup:",
        "        properties: { userId: { type: string, x-pool: club.user_ids } }\n    creates: member\n    setup:",
    );
    let text = edit(
        &text,
        "        save: { user_id: \"request:/userId\" }\n    success: [200]\n",
        "        save: { user_id: \"request:/userId\" }\n    success: [200]\n    deletes: member\n",
    );
    spec_of(&text)
}

fn spec_of(text: &str) -> SpecSet {
    let loaded = confuzz::spec::load_str("club.yaml", text).expect("the team spec loads");
    SpecSet {
        specs: vec![loaded],
    }
}

fn team_fixtures(users: usize) -> Map<String, Value> {
    let ids: Vec<String> = (1..=users).map(|i| format!("user-{i}")).collect();
    json!({
        "club.token": "secret-token",
        "club.user_ids": ids,
        "club.limit.team_members": TEAM_MEMBERS,
        "club.limit.user_teams": USER_TEAMS,
    })
    .as_object()
    .cloned()
    .expect("an object")
}

/// The team server's state: teams and their members, and each user's team count.
#[derive(Default)]
struct Club {
    teams: BTreeMap<String, Vec<String>>,
    memberships: BTreeMap<String, u32>,
    next: u64,
}

/// A team server on 127.0.0.1 with `users` accounts; each may be in 2 teams, a team holds 3.
/// With `leaky`, removing a member does not give the user's team back (it breaks the reuse the
/// spec declares). Returns the server and the number of requests it received.
fn team_server(users: usize, leaky: bool) -> (confuzz::serve::ServerHandle, Arc<AtomicUsize>) {
    let state = Mutex::new(Club::default());
    let received = Arc::new(AtomicUsize::new(0));
    let count = received.clone();
    let known: Vec<String> = (1..=users).map(|i| format!("user-{i}")).collect();
    let handler = move |request: &Request| {
        count.fetch_add(1, Ordering::SeqCst);
        let mut club = state.lock().expect("not poisoned");
        let message = |status: u16, text: &str| Response::json(status, &json!({ "message": text }));
        let parts: Vec<&str> = request.path.trim_matches('/').split('/').collect();
        match (request.method.as_str(), parts.as_slice()) {
            ("POST", ["teams"]) => {
                club.next += 1;
                let id = format!("team-{}", club.next);
                club.teams.insert(id.clone(), Vec::new());
                Response::json(201, &json!({ "id": id }))
            }
            ("POST", ["teams", team, "members"]) => {
                let user = request
                    .json_body()
                    .and_then(|b| b["userId"].as_str().map(str::to_string))
                    .unwrap_or_default();
                if !known.contains(&user) {
                    return message(404, "No such user");
                }
                let Some(members) = club.teams.get(*team).cloned() else {
                    return message(404, "No such team");
                };
                if members.contains(&user) {
                    return message(409, "Already a member");
                }
                if members.len() as u64 >= TEAM_MEMBERS {
                    return message(400, "Team is full");
                }
                if club.memberships.get(&user).copied().unwrap_or(0) >= USER_TEAMS {
                    return message(400, "User is in too many teams");
                }
                club.teams
                    .get_mut(*team)
                    .expect("exists")
                    .push(user.clone());
                *club.memberships.entry(user.clone()).or_insert(0) += 1;
                Response::json(200, &json!({ "userId": user }))
            }
            ("DELETE", ["teams", team, "members", user]) => {
                let Some(members) = club.teams.get_mut(*team) else {
                    return message(404, "No such team");
                };
                let Some(at) = members.iter().position(|m| m == user) else {
                    return message(404, "Not a member");
                };
                members.remove(at);
                if !leaky {
                    if let Some(n) = club.memberships.get_mut(*user) {
                        *n = n.saturating_sub(1);
                    }
                }
                Response::json(200, &json!({}))
            }
            _ => message(404, "No such route"),
        }
    };
    let options = ServeOptions::default().quiet(true);
    let server = spawn_server(handler, "127.0.0.1:0".parse().expect("an address"), options)
        .expect("the team server starts");
    (server, received)
}

fn team_options(cases: u32) -> RunOptions {
    RunOptions::default().seed(SEED).cases(cases).positive(true)
}

fn untested(report: &RunReport) -> Vec<String> {
    report
        .checks()
        .filter(|c| c.verdict == RowVerdict::Untested)
        .map(|c| format!("{}: {}", c.id, c.reason.as_deref().unwrap_or("")))
        .collect()
}

fn fewer(report: &RunReport) -> Vec<&str> {
    report
        .checks()
        .filter(|c| c.notes.iter().any(|n| n.starts_with(FEWER_CASES)))
        .map(|c| c.id.as_str())
        .collect()
}

#[test]
fn six_accounts_serve_every_check_of_the_team_server_by_reuse() {
    let (server, received) = team_server(6, false);
    let target = HttpTarget::new(&server.url()).expect("a URL");
    let set = teams_spec();
    let report =
        run(&set, &target, &team_fixtures(6), &team_options(2), &|_| {}).expect("the run goes on");
    server.shutdown();
    assert!(untested(&report).is_empty(), "{:?}", untested(&report));
    assert!(
        report.conforms(),
        "{:#?}",
        report.checks().collect::<Vec<_>>()
    );
    // Six accounts, each in at most two teams: more member creates succeeded than there are
    // accounts, so values were reused (and the removed member given back).
    let adds = report.check("club.valid.member-add").expect("run").count
        + report.check("club.valid.member-remove").expect("run").count
        + report.check("club.team.full").expect("run").count * TEAM_MEMBERS as u32;
    assert!(adds > 6, "{adds} member creates");
    assert!(received.load(Ordering::SeqCst) > 0);
    // At 2 cases the pool fits: nothing runs fewer cases.
    assert!(fewer(&report).is_empty(), "{:?}", fewer(&report));
}

#[test]
fn a_short_team_pool_runs_fewer_cases_and_says_so() {
    let (server, _) = team_server(6, false);
    let target = HttpTarget::new(&server.url()).expect("a URL");
    let set = teams_spec();
    let report =
        run(&set, &target, &team_fixtures(6), &team_options(32), &|_| {}).expect("the run goes on");
    server.shutdown();
    assert!(untested(&report).is_empty(), "{:?}", untested(&report));
    assert!(report.conforms());
    // The row fills a team of 3 per case and the valid create spends a membership: both are
    // capped; the create-then-remove check gives its value back and runs every case.
    assert_eq!(fewer(&report), ["club.team.full", "club.valid.member-add"]);
    let row = report.check("club.team.full").expect("run");
    assert!(row.count >= 1 && row.count < 32, "{}", row.count);
    assert_eq!(
        report.check("club.valid.member-remove").expect("run").count,
        32
    );
    let text = confuzz::report::run::console(
        &report,
        &server_url_placeholder(),
        &confuzz::report::run::Redactor::default(),
        false,
    );
    assert!(
        text.contains("fewer cases: 2 checks that draw from a pool ran fewer than 32 cases"),
        "{text}"
    );
}

#[test]
fn the_run_deletes_the_members_it_added_and_reuses_their_accounts() {
    // Where the API deletes what a create made, each case removes the members it added when it
    // ends: 32 cases of each check fit in six accounts of two teams each, where without the
    // deletes the same pool caps the row and the valid create (the test above).
    let (server, _) = team_server(6, false);
    let target = HttpTarget::new(&server.url()).expect("a URL");
    let set = teams_spec_with_deletes();
    let report =
        run(&set, &target, &team_fixtures(6), &team_options(32), &|_| {}).expect("the run goes on");
    server.shutdown();
    assert!(untested(&report).is_empty(), "{:?}", untested(&report));
    assert!(report.conforms());
    assert!(fewer(&report).is_empty(), "{:?}", fewer(&report));
    assert_eq!(
        report.check("club.valid.member-add").expect("run").count,
        32
    );
    assert_eq!(report.check("club.team.full").expect("run").count, 32);
    // Against the server that keeps removed members counted, the recycled accounts are soon
    // refused: the undoing deletes are what made the reuse work.
    let (server, _) = team_server(6, true);
    let target = HttpTarget::new(&server.url()).expect("a URL");
    let report =
        run(&set, &target, &team_fixtures(6), &team_options(32), &|_| {}).expect("the run goes on");
    server.shutdown();
    let refused: Vec<String> = report
        .checks()
        .filter(|c| c.verdict != RowVerdict::Passed)
        .map(|c| format!("{}: {}", c.id, c.reason.as_deref().unwrap_or("")))
        .collect();
    assert!(
        refused
            .iter()
            .any(|r| r.contains("User is in too many teams")),
        "{refused:?}"
    );
}

fn server_url_placeholder() -> String {
    "http://127.0.0.1".to_string()
}

#[test]
fn a_team_server_that_keeps_removed_members_counted_is_caught() {
    // The spec says a removal gives the user's team back; this server does not. The run reuses
    // the value it believes free, and the server's refusal shows up instead of passing unseen.
    let (server, _) = team_server(6, true);
    let target = HttpTarget::new(&server.url()).expect("a URL");
    let set = teams_spec();
    let report =
        run(&set, &target, &team_fixtures(6), &team_options(8), &|_| {}).expect("the run goes on");
    server.shutdown();
    let remove = report.check("club.valid.member-remove").expect("run");
    assert_ne!(remove.verdict, RowVerdict::Passed, "{remove:?}");
    assert!(
        remove
            .reason
            .as_deref()
            .unwrap_or("")
            .contains("User is in too many teams"),
        "{:?}",
        remove.reason
    );
}

#[test]
fn a_team_pool_too_small_for_one_case_is_refused_before_the_first_request() {
    // One case of the row needs four distinct accounts (three members and the one refused).
    let (server, received) = team_server(3, false);
    let target = HttpTarget::new(&server.url()).expect("a URL");
    let set = teams_spec();
    let error = run(&set, &target, &team_fixtures(3), &team_options(8), &|_| {})
        .expect_err("three accounts cannot fill a team of three and try a fourth");
    server.shutdown();
    match &error {
        RunError::PoolTooSmall(e) => assert_eq!(
            (e.pool.as_str(), e.needed, e.given, e.min_size),
            ("club.user_ids", 4, 3, Some(4))
        ),
        other => panic!("{other}"),
    }
    assert!(error
        .to_string()
        .contains("pool `club.user_ids` is too small for the selected checks"));
    assert_eq!(received.load(Ordering::SeqCst), 0, "nothing was sent");
}

/// The Classroom checks against the reference serving a test domain of 40 user ids.
fn classroom_with_40(mutant: Option<&str>) -> RunReport {
    let mut config = Config::default().pools([("classroom.user_ids", 40)]);
    config.mutant = mutant.map(str::to_string);
    let reference = Reference::new(config);
    let options = RunOptions::default()
        .seed(SEED)
        .rows(vec!["classroom".to_string()])
        .positive(true);
    assert_eq!(options.cases, 32, "the default case count");
    run_quiet(&specs(), &reference, &reference.fixtures(), &options)
}

#[test]
fn forty_classroom_accounts_give_every_row_valid_check_and_limit_a_verdict() {
    let report = classroom_with_40(None);
    assert!(untested(&report).is_empty(), "{:?}", untested(&report));
    assert!(report.conforms());
    let ids: Vec<&str> = report.checks().map(|c| c.id.as_str()).collect();
    for id in [
        "classroom.precondition.course-member-limit-reached",
        "classroom.precondition.course-teacher-limit-reached",
        "classroom.precondition.user-groups-membership-limit-reached",
        "classroom.quota.user-course-join-rate-limit-reached",
        "classroom.valid.student-create",
        "classroom.valid.teacher-create",
        "classroom.valid.teacher-delete",
        "classroom.limit.course-members",
        "classroom.limit.course-teachers",
        "classroom.limit.user-courses",
        "classroom.limit.daily-joins",
    ] {
        assert!(ids.contains(&id), "{id} missing from {ids:?}");
    }
    // A teacher a case adds is removed when the case ends, so those checks run in full; the
    // checks that spend user ids (students cannot be removed) ran fewer cases, and say so.
    for id in [
        "classroom.valid.teacher-create",
        "classroom.precondition.course-teacher-limit-reached",
    ] {
        assert_eq!(report.check(id).expect("run").count, 32, "{id}");
    }
    let short = fewer(&report);
    assert!(short.contains(&"classroom.quota.user-course-join-rate-limit-reached"));
    for id in &short {
        let c = report.check(id).expect("run");
        assert!(c.count >= 1 && c.count < 32, "{id}: {}", c.count);
    }
}

#[test]
fn forty_classroom_accounts_catch_a_join_limit_deviation() {
    // With the pool used up this row used to be untested, and the deviation passed unseen.
    let report = classroom_with_40(Some("classroom.join-limit-type-renamed"));
    let row = report
        .check("classroom.quota.user-course-join-rate-limit-reached")
        .expect("run");
    assert_eq!(row.verdict, RowVerdict::Failed, "{row:?}");
    assert!(untested(&report).is_empty(), "{:?}", untested(&report));
}
