//! courses.create (`POST /v1/courses`) and courses.patch (`PATCH /v1/courses/{id}`).
//!
//! Field limits follow the Course resource: name 1-750 characters, section up to 2800,
//! descriptionHeading up to 3600, description up to 30 000, room up to 650.
//!
//! Not for: rosters ([`super::roster`]).

use serde_json::{Map, Value};

use super::body;
use super::context::Ctx;
use super::errors::{self, ApiError};
use super::state::{self, Course, CourseState, State};
use crate::target::Request;

const NAME_MAX: usize = 750;
const SECTION_MAX: usize = 2800;
const DESCRIPTION_HEADING_MAX: usize = 3600;
const DESCRIPTION_MAX: usize = 30_000;
const ROOM_MAX: usize = 650;
const OWNER_ID_MAX: usize = 320;

/// The fields courses.patch can update, as the update mask names them.
const PATCHABLE: [&str; 7] = [
    "name",
    "section",
    "descriptionHeading",
    "description",
    "room",
    "courseState",
    "ownerId",
];

/// courses.create: `name` and `ownerId` are required; `courseState` may be ACTIVE or
/// PROVISIONED and defaults to PROVISIONED. The server assigns the numeric `id` and the
/// `enrollmentCode`. Ownership is not a membership: it counts towards no roster limit.
pub fn create(state: &mut State, ctx: &Ctx, request: &Request) -> Result<Value, ApiError> {
    let body = body::object(request)?;
    let name = required_name(&body)?;
    let owner_ref = body::required_string(&body, "course", "ownerId", OWNER_ID_MAX)?;
    let section = body::bounded_string(&body, "course", "section", SECTION_MAX)?;
    let description_heading = body::bounded_string(
        &body,
        "course",
        "descriptionHeading",
        DESCRIPTION_HEADING_MAX,
    )?;
    let description = body::bounded_string(&body, "course", "description", DESCRIPTION_MAX)?;
    let room = body::bounded_string(&body, "course", "room", ROOM_MAX)?;
    // COURSE_STATE_UNSPECIFIED reads as "not set"; any state other than ACTIVE or
    // PROVISIONED cannot be given to a new course.
    let course_state = match body::string(&body, "course", "courseState")?.as_deref() {
        None | Some("COURSE_STATE_UNSPECIFIED") => CourseState::Provisioned,
        Some("ACTIVE") => CourseState::Active,
        Some("PROVISIONED") => CourseState::Provisioned,
        Some(other) => {
            return Err(errors::invalid_argument(format!(
                "Invalid value for field 'course.courseState': a new course must be ACTIVE or \
                 PROVISIONED, not {}.",
                other.chars().take(64).collect::<String>()
            )))
        }
    };
    let owner_id = state
        .user(ctx.resolve_me(&owner_ref))
        .ok_or_else(errors::not_found)?
        .id
        .clone();

    let serial = state.next_serial();
    let id = (700_000_000_000u64 + serial * 7_919).to_string();
    let created = state::now();
    let course = Course {
        id: id.clone(),
        name,
        section: section.filter(|s| !s.is_empty()),
        description_heading: description_heading.filter(|s| !s.is_empty()),
        description: description.filter(|s| !s.is_empty()),
        room: room.filter(|s| !s.is_empty()),
        owner_id,
        state: course_state,
        enrollment_code: state::enrollment_code(serial),
        creation_time: created.clone(),
        update_time: created,
        students: Vec::new(),
        teachers: Vec::new(),
    };
    let answer = course.to_json();
    state.add_course(course);
    Ok(answer)
}

/// The validated changes of one courses.patch: a field named in the mask but absent from
/// the body is cleared (field-mask semantics), which the required fields refuse.
#[derive(Debug, Default)]
struct CoursePatch {
    name: Option<String>,
    section: Option<Option<String>>,
    description_heading: Option<Option<String>>,
    description: Option<Option<String>>,
    room: Option<Option<String>>,
    state: Option<CourseState>,
    owner_ref: Option<String>,
}

impl CoursePatch {
    fn read(mask: &[&str], body: &Map<String, Value>) -> Result<Self, ApiError> {
        let mut patch = CoursePatch::default();
        let text = |field: &str, max: usize| -> Result<Option<String>, ApiError> {
            Ok(body::bounded_string(body, "course", field, max)?.filter(|s| !s.is_empty()))
        };
        for &field in mask {
            match field {
                "name" => patch.name = Some(required_name(body)?),
                "section" => patch.section = Some(text(field, SECTION_MAX)?),
                "descriptionHeading" => {
                    patch.description_heading = Some(text(field, DESCRIPTION_HEADING_MAX)?)
                }
                "description" => patch.description = Some(text(field, DESCRIPTION_MAX)?),
                "room" => patch.room = Some(text(field, ROOM_MAX)?),
                "courseState" => {
                    let value = body::string(body, "course", "courseState")?;
                    let parsed = value.as_deref().and_then(CourseState::parse);
                    match parsed {
                        Some(s) => patch.state = Some(s),
                        None => {
                            return Err(errors::invalid_argument(
                                "Invalid value for field 'course.courseState': the update mask \
                                 names courseState, so the body must give one of ACTIVE, \
                                 ARCHIVED, PROVISIONED, DECLINED.",
                            ))
                        }
                    }
                }
                "ownerId" => {
                    patch.owner_ref = Some(body::required_string(
                        body,
                        "course",
                        "ownerId",
                        OWNER_ID_MAX,
                    )?)
                }
                _ => {}
            }
        }
        Ok(patch)
    }

    /// Whether the patch touches anything besides the course state.
    fn changes_more_than_state(&self) -> bool {
        self.name.is_some()
            || self.section.is_some()
            || self.description_heading.is_some()
            || self.description.is_some()
            || self.room.is_some()
            || self.owner_ref.is_some()
    }
}

/// courses.patch, in processing order:
///
/// 1. the `updateMask` query parameter is required and may name only patchable fields
///    (400 INVALID_ARGUMENT), and the body must give valid values for them;
/// 2. an unknown course is 404 NOT_FOUND;
/// 3. a state change must follow the state machine (ACTIVE <-> ARCHIVED,
///    PROVISIONED -> ACTIVE or DECLINED, DECLINED -> PROVISIONED), else 400
///    FAILED_PRECONDITION;
/// 4. CourseNotModifiable: the course is ARCHIVED, DECLINED or SUSPENDED and the patch
///    changes more than the state. The state can change in the same request that changes
///    other properties, so an ARCHIVED course moved to ACTIVE may be renamed at once;
/// 5. a new owner must be a teacher of the course (400 FAILED_PRECONDITION IneligibleOwner);
///    the previous owner stays on as a teacher.
pub fn patch(
    state: &mut State,
    ctx: &Ctx,
    course_id: &str,
    request: &Request,
) -> Result<Value, ApiError> {
    let mask = update_mask(request)?;
    let body = body::object(request)?;
    let patch = CoursePatch::read(&mask, &body)?;

    let course = state.course(course_id).ok_or_else(errors::not_found)?;
    let from = course.state;
    let to = patch.state.unwrap_or(from);
    if !from.may_become(to) {
        return Err(errors::failed_precondition(format!(
            "The course state cannot change from {} to {}.",
            from.as_str(),
            to.as_str()
        )));
    }
    if patch.changes_more_than_state() && !from.is_modifiable() && !to.is_modifiable() {
        return Err(errors::course_not_modifiable(from));
    }
    let new_owner = match &patch.owner_ref {
        None => None,
        Some(owner_ref) => {
            let owner_id = state
                .user(ctx.resolve_me(owner_ref))
                .ok_or_else(errors::not_found)?
                .id
                .clone();
            if owner_id != course.owner_id && !course.teachers.contains(&owner_id) {
                return Err(errors::failed_precondition(
                    "@IneligibleOwner The new owner must already be a teacher of the course.",
                ));
            }
            Some(owner_id)
        }
    };

    state
        .update_course(course_id, |course| {
            if let Some(name) = patch.name {
                course.name = name;
            }
            if let Some(section) = patch.section {
                course.section = section;
            }
            if let Some(heading) = patch.description_heading {
                course.description_heading = heading;
            }
            if let Some(description) = patch.description {
                course.description = description;
            }
            if let Some(room) = patch.room {
                course.room = room;
            }
            course.state = to;
            if let Some(owner_id) = new_owner {
                if owner_id != course.owner_id {
                    course.teachers.retain(|t| t != &owner_id);
                    let previous = std::mem::replace(&mut course.owner_id, owner_id);
                    course.teachers.push(previous);
                }
            }
            course.update_time = state::now();
            course.to_json()
        })
        .ok_or_else(errors::not_found)
}

/// The fields of the required `updateMask` query parameter (comma separated).
fn update_mask(request: &Request) -> Result<Vec<&'static str>, ApiError> {
    let raw = request.query_param("updateMask").unwrap_or("").trim();
    if raw.is_empty() {
        return Err(errors::invalid_argument(
            "Invalid update mask: the updateMask query parameter is required and must name at \
             least one field.",
        ));
    }
    let mut fields = Vec::new();
    for part in raw.split(',') {
        let part = part.trim();
        let Some(field) = PATCHABLE.iter().find(|f| **f == part) else {
            return Err(errors::invalid_argument(format!(
                "Invalid update mask: '{}' is not a field that can be updated. Valid fields \
                 are: {}.",
                part.chars().take(64).collect::<String>(),
                PATCHABLE.join(", ")
            )));
        };
        if !fields.contains(field) {
            fields.push(*field);
        }
    }
    Ok(fields)
}

/// `name` is required, non-blank and at most 750 characters.
fn required_name(body: &Map<String, Value>) -> Result<String, ApiError> {
    let name = body::required_string(body, "course", "name", NAME_MAX)?;
    if name.trim().is_empty() {
        return Err(errors::invalid_argument(
            "Invalid value for field 'course.name': the field is required.",
        ));
    }
    Ok(name)
}
