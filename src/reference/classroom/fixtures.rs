//! The built-in world of the Classroom reference: the tokens and whom they belong to, the
//! user directory (owner, token users and the pool of 4000 users), the Drive files, and the
//! fixture document the harness reads (`classroom.*`).
//!
//! Not for: mutable state. The values here are fixed; [`super::state::State`] copies what it
//! needs at start-up.

use serde_json::{json, Map, Value};

use super::context::Limits;

/// The admin token (`classroom.token`): a domain administrator with every grant.
pub const ADMIN_TOKEN: &str = "ya29.a0AeDClZCr3fQ-classroom-reference-admin-7Hk2";
/// A service account using domain-wide delegation, without an OAuth grant
/// (`classroom.service_account_token`).
pub const SERVICE_ACCOUNT_TOKEN: &str = "ya29.c.c0ASRK0GZ-classroom-reference-delegated-Qm4v";
/// A token whose project has a small per-minute request quota (`classroom.low_quota_token`).
pub const LOW_QUOTA_TOKEN: &str = "ya29.a0AeDClZD9pXw-classroom-reference-low-quota-L0q1";

/// The user the admin token belongs to ("me" for that token).
pub const ADMIN_USER_ID: &str = "100384726150938472615";
/// The user the service account impersonates.
pub const DELEGATED_USER_ID: &str = "100529381746502918374";
/// The user the low-quota token belongs to.
pub const LOW_QUOTA_USER_ID: &str = "100671029384756102938";
/// A teacher who owns courses (`classroom.owner_id`).
pub const OWNER_ID: &str = "108245967341209876543";

/// A Drive file shared with every caller (`classroom.visible_drive_file_id`).
pub const VISIBLE_DRIVE_FILE_ID: &str = "1hN3xJq5TzVbR8mKcW2pLfY7uA9sDgE4oQiZ6tB0nXyM";
/// A Drive file that exists but is shared with nobody (`classroom.hidden_drive_file_id`).
pub const HIDDEN_DRIVE_FILE_ID: &str = "1Zr7Lk2QwE9tYuI3oP5aSdF8gH1jK4lXcV6bN0mMqWeR";

/// How many users the pool holds.
pub const POOL_SIZE: u64 = 4000;

/// Who a token belongs to and what it may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Principal {
    /// The token itself (the quota is counted per token).
    pub token: &'static str,
    /// The user "me" stands for.
    pub user_id: &'static str,
    /// Whether the user granted the Cloud project access (push notifications need it).
    pub has_grant: bool,
    /// Whether the small per-minute request quota applies.
    pub low_quota: bool,
}

/// The principal of a bearer token, if the token is known.
pub fn principal(token: &str) -> Option<Principal> {
    let principals = [
        Principal {
            token: ADMIN_TOKEN,
            user_id: ADMIN_USER_ID,
            has_grant: true,
            low_quota: false,
        },
        Principal {
            token: SERVICE_ACCOUNT_TOKEN,
            user_id: DELEGATED_USER_ID,
            has_grant: false,
            low_quota: false,
        },
        Principal {
            token: LOW_QUOTA_TOKEN,
            user_id: LOW_QUOTA_USER_ID,
            has_grant: true,
            low_quota: true,
        },
    ];
    principals.into_iter().find(|p| p.token == token)
}

/// A user profile as the directory knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserProfile {
    pub id: String,
    pub given_name: String,
    pub family_name: String,
    pub email: String,
}

impl UserProfile {
    fn new(id: &str, given: &str, family: &str, email: &str) -> Self {
        UserProfile {
            id: id.to_string(),
            given_name: given.to_string(),
            family_name: family.to_string(),
            email: email.to_string(),
        }
    }

    /// The `profile` object of a Student or Teacher resource.
    pub fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "name": {
                "givenName": self.given_name,
                "familyName": self.family_name,
                "fullName": format!("{} {}", self.given_name, self.family_name),
            },
            "emailAddress": self.email,
        })
    }
}

const GIVEN_NAMES: [&str; 20] = [
    "Ava", "Liam", "Noah", "Emma", "Mia", "Lucas", "Zoe", "Ethan", "Aria", "Leo", "Maya", "Omar",
    "Chloe", "Ivan", "Nora", "Ravi", "Lena", "Hugo", "Sara", "Theo",
];
const FAMILY_NAMES: [&str; 10] = [
    "Nguyen", "Garcia", "Okafor", "Schmidt", "Rossi", "Tanaka", "Kowalski", "Silva", "Haddad",
    "Larsen",
];

/// The ids of the user pool (`classroom.user_ids`): 21-digit numeric strings like Google's.
pub fn pool_user_ids() -> Vec<String> {
    (0..POOL_SIZE)
        .map(|i| {
            let n = 17_203_948_561_029_384_756u64.wrapping_add(i * 982_451_653_117);
            format!("1{n:020}")
        })
        .collect()
}

/// Every user of the domain: the token users, the owner and the pool.
pub fn directory() -> Vec<UserProfile> {
    let mut users = vec![
        UserProfile::new(
            ADMIN_USER_ID,
            "Dana",
            "Admin",
            "dana.admin@school.example.edu",
        ),
        UserProfile::new(
            DELEGATED_USER_ID,
            "Roster",
            "Sync",
            "roster.sync@school.example.edu",
        ),
        UserProfile::new(
            LOW_QUOTA_USER_ID,
            "Quinn",
            "Batch",
            "quinn.batch@school.example.edu",
        ),
        UserProfile::new(OWNER_ID, "Priya", "Raman", "priya.raman@school.example.edu"),
    ];
    for (i, id) in pool_user_ids().iter().enumerate() {
        let given = GIVEN_NAMES[i % GIVEN_NAMES.len()];
        let family = FAMILY_NAMES[(i / GIVEN_NAMES.len()) % FAMILY_NAMES.len()];
        let email = format!(
            "{}.{}{:03}@school.example.edu",
            given.to_lowercase(),
            family.to_lowercase(),
            i + 1
        );
        users.push(UserProfile::new(id, given, family, &email));
    }
    users
}

/// A file in Drive and whether it is shared with the callers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DriveFile {
    pub id: String,
    pub title: String,
    pub shared: bool,
}

/// The Drive files the domain holds: one shared with everyone, one shared with nobody.
pub fn drive_files() -> Vec<DriveFile> {
    vec![
        DriveFile {
            id: VISIBLE_DRIVE_FILE_ID.to_string(),
            title: "Unit 3 reading guide".to_string(),
            shared: true,
        },
        DriveFile {
            id: HIDDEN_DRIVE_FILE_ID.to_string(),
            title: "Answer key (private)".to_string(),
            shared: false,
        },
    ]
}

/// The fixture document: every `classroom.*` name of the spec, with the limits in force.
pub fn fixtures(limits: &Limits) -> Map<String, Value> {
    let mut map = Map::new();
    map.insert("classroom.token".into(), json!(ADMIN_TOKEN));
    map.insert(
        "classroom.service_account_token".into(),
        json!(SERVICE_ACCOUNT_TOKEN),
    );
    map.insert("classroom.low_quota_token".into(), json!(LOW_QUOTA_TOKEN));
    map.insert("classroom.owner_id".into(), json!(OWNER_ID));
    map.insert("classroom.user_ids".into(), json!(pool_user_ids()));
    map.insert(
        "classroom.visible_drive_file_id".into(),
        json!(VISIBLE_DRIVE_FILE_ID),
    );
    map.insert(
        "classroom.hidden_drive_file_id".into(),
        json!(HIDDEN_DRIVE_FILE_ID),
    );
    map.insert(
        "classroom.limit.course_members".into(),
        json!(limits.course_members),
    );
    map.insert(
        "classroom.limit.course_teachers".into(),
        json!(limits.course_teachers),
    );
    map.insert(
        "classroom.limit.user_courses".into(),
        json!(limits.user_courses),
    );
    map.insert(
        "classroom.limit.daily_joins".into(),
        json!(limits.daily_joins),
    );
    map.insert(
        "classroom.limit.requests_per_minute".into(),
        json!(limits.requests_per_minute),
    );
    map
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn the_pool_holds_distinct_numeric_ids_apart_from_the_token_users() {
        let ids = pool_user_ids();
        assert_eq!(ids.len(), POOL_SIZE as usize);
        let distinct: BTreeSet<&String> = ids.iter().collect();
        assert_eq!(distinct.len(), POOL_SIZE as usize);
        assert!(ids
            .iter()
            .all(|id| id.len() == 21 && id.bytes().all(|b| b.is_ascii_digit())));
        for special in [
            ADMIN_USER_ID,
            DELEGATED_USER_ID,
            LOW_QUOTA_USER_ID,
            OWNER_ID,
        ] {
            assert!(!ids.iter().any(|id| id == special));
        }
        let emails: BTreeSet<String> = directory().into_iter().map(|u| u.email).collect();
        assert_eq!(emails.len(), POOL_SIZE as usize + 4);
    }
}
