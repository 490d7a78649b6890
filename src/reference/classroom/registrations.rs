//! registrations.create (`POST /v1/registrations`): push notifications to a Cloud Pub/Sub
//! topic.
//!
//! The body is `{"feed": {"feedType": ..., "courseRosterChangesInfo" | "courseWorkChangesInfo":
//! {"courseId"}}, "cloudPubsubTopic": {"topicName": "projects/P/topics/T"}}`. The server sets
//! `registrationId` and `expiryTime` (a week ahead) and ignores any values sent for them.
//!
//! Not for: delivering notifications.

use serde_json::{json, Value};

use super::body;
use super::context::Ctx;
use super::errors::{self, ApiError};
use super::state::{self, State};
use crate::target::Request;

const FEED_TYPES: [&str; 3] = [
    "DOMAIN_ROSTER_CHANGES",
    "COURSE_ROSTER_CHANGES",
    "COURSE_WORK_CHANGES",
];

/// registrations.create, in processing order:
///
/// 1. the feed and topic must be valid (400 INVALID_ARGUMENT): a known `feedType`, the
///    matching `*Info.courseId` for a course feed, a topic `projects/{project}/topics/{topic}`;
/// 2. MissingGrant: Classroom cannot confirm that the user granted the Cloud project access
///    with scopes for the feed type. The service-account token (domain-wide delegation, no
///    OAuth grant) always lands here;
/// 3. a course feed naming an unknown course is 404 NOT_FOUND.
pub fn create(state: &mut State, ctx: &Ctx, request: &Request) -> Result<Value, ApiError> {
    let body = body::object(request)?;
    let feed = body::object_field(&body, "registration", "feed")?.ok_or_else(|| {
        errors::invalid_argument(
            "Invalid value for field 'registration.feed': the field is required.",
        )
    })?;
    let feed_type = body::string(feed, "registration.feed", "feedType")?;
    let Some(feed_type) = feed_type.filter(|f| FEED_TYPES.contains(&f.as_str())) else {
        return Err(errors::invalid_argument(
            "Invalid value for field 'registration.feed.feedType': must be one of \
             DOMAIN_ROSTER_CHANGES, COURSE_ROSTER_CHANGES, COURSE_WORK_CHANGES.",
        ));
    };
    let info_field = match feed_type.as_str() {
        "COURSE_ROSTER_CHANGES" => Some("courseRosterChangesInfo"),
        "COURSE_WORK_CHANGES" => Some("courseWorkChangesInfo"),
        _ => None,
    };
    let info_field = match info_field {
        None if ctx.config.mutant_is("classroom.domain-feed-needs-course") => {
            Some("courseRosterChangesInfo")
        }
        other => other,
    };
    let course_id = match info_field {
        None => None,
        Some(field) => {
            let info = body::object_field(feed, "registration.feed", field)?;
            let course_id = match info {
                Some(info) => {
                    body::string(info, &format!("registration.feed.{field}"), "courseId")?
                }
                None => None,
            };
            match course_id.filter(|c| !c.is_empty()) {
                Some(c) => Some(c),
                None => {
                    return Err(errors::invalid_argument(format!(
                        "Invalid value for field 'registration.feed.{field}.courseId': a \
                         {feed_type} feed requires the course id."
                    )))
                }
            }
        }
    };
    let topic = body::object_field(&body, "registration", "cloudPubsubTopic")?;
    let topic_name = match topic {
        Some(topic) => body::string(topic, "registration.cloudPubsubTopic", "topicName")?,
        None => None,
    };
    let Some(topic_name) = topic_name.filter(|t| is_topic_name(t)) else {
        return Err(errors::invalid_argument(
            "Invalid value for field 'registration.cloudPubsubTopic.topicName': must have the \
             form projects/{project}/topics/{topic}.",
        ));
    };

    if !ctx.principal.has_grant {
        let mut error = errors::missing_grant(&feed_type);
        if ctx.config.mutant_is("classroom.missing-grant-400") {
            error.status = 400;
        }
        return Err(error);
    }
    if let Some(course_id) = &course_id {
        if state.course(course_id).is_none() {
            return Err(errors::not_found());
        }
    }

    let serial = state.next_serial();
    let mut feed_out = serde_json::Map::new();
    feed_out.insert("feedType".into(), json!(feed_type));
    if let (Some(field), Some(course_id)) = (info_field, course_id) {
        feed_out.insert(field.into(), json!({"courseId": course_id}));
    }
    let registration = json!({
        "registrationId": format!("{:016x}", state::mix(serial)),
        "feed": Value::Object(feed_out),
        "cloudPubsubTopic": {"topicName": topic_name},
        "expiryTime": state::days_from_now(7),
    });
    state.add_registration(registration.clone());
    Ok(registration)
}

/// `projects/{project}/topics/{topic}` with non-empty parts free of slashes.
fn is_topic_name(name: &str) -> bool {
    let parts: Vec<&str> = name.split('/').collect();
    matches!(
        parts.as_slice(),
        ["projects", project, "topics", topic] if !project.is_empty() && !topic.is_empty()
    )
}
