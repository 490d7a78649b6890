//! courses.courseWork.create (`POST /v1/courses/{courseId}/courseWork`).
//!
//! The body is a CourseWork: `title` (1-3000 characters) and `workType` (ASSIGNMENT,
//! SHORT_ANSWER_QUESTION or MULTIPLE_CHOICE_QUESTION) are required; `description` up to
//! 30 000 characters; `state` PUBLISHED or DRAFT (default DRAFT); `maxPoints` a number of
//! at least 0; `assigneeMode` ALL_STUDENTS (default) or INDIVIDUAL_STUDENTS; `materials[]`
//! up to 20 items, each holding exactly one of `driveFile{driveFile{id}, shareMode}`,
//! `youtubeVideo{id}` or `link{url}` (`form` is read-only). `shareMode` is VIEW (default),
//! EDIT or STUDENT_COPY, the last two only for an ASSIGNMENT.
//!
//! Not for: grading or submissions.

use serde_json::{json, Map, Value};

use super::body;
use super::context::Ctx;
use super::errors::{self, ApiError};
use super::state::{self, State};
use crate::target::Request;

const TITLE_MAX: usize = 3000;
const DESCRIPTION_MAX: usize = 30_000;
const MATERIALS_MAX: usize = 20;
const WORK_TYPES: [&str; 3] = [
    "ASSIGNMENT",
    "SHORT_ANSWER_QUESTION",
    "MULTIPLE_CHOICE_QUESTION",
];

/// A material as validated from the request, before Drive is asked about it.
enum Material {
    DriveFile { id: String, share_mode: String },
    YouTube { id: String },
    Link { url: String },
}

/// courses.courseWork.create, in processing order:
///
/// 1. the body must be a valid CourseWork (400 INVALID_ARGUMENT);
/// 2. an unknown course is 404 NOT_FOUND;
/// 3. AttachmentNotVisible: a Drive file that is not shared with the caller, not of the
///    requested type, or does not exist.
pub fn create(
    state: &mut State,
    ctx: &Ctx,
    course_id: &str,
    request: &Request,
) -> Result<Value, ApiError> {
    let body = body::object(request)?;
    let title = body::required_string(&body, "course_work", "title", TITLE_MAX)?;
    let description = body::bounded_string(&body, "course_work", "description", DESCRIPTION_MAX)?;
    let work_type = body::string(&body, "course_work", "workType")?;
    let Some(work_type) = work_type.filter(|w| WORK_TYPES.contains(&w.as_str())) else {
        return Err(errors::invalid_argument(
            "Invalid value for field 'course_work.workType': must be one of ASSIGNMENT, \
             SHORT_ANSWER_QUESTION, MULTIPLE_CHOICE_QUESTION.",
        ));
    };
    let work_state = match body::string(&body, "course_work", "state")?.as_deref() {
        None => "DRAFT".to_string(),
        Some(s @ ("DRAFT" | "PUBLISHED")) => s.to_string(),
        Some(_) => {
            return Err(errors::invalid_argument(
                "Invalid value for field 'course_work.state': must be PUBLISHED or DRAFT.",
            ))
        }
    };
    let assignee_mode = match body::string(&body, "course_work", "assigneeMode")?.as_deref() {
        None => "ALL_STUDENTS".to_string(),
        Some(s @ ("ALL_STUDENTS" | "INDIVIDUAL_STUDENTS")) => s.to_string(),
        Some(_) => {
            return Err(errors::invalid_argument(
                "Invalid value for field 'course_work.assigneeMode': must be ALL_STUDENTS or \
                 INDIVIDUAL_STUDENTS.",
            ))
        }
    };
    let max_points = match body.get("maxPoints") {
        None | Some(Value::Null) => None,
        Some(Value::Number(n)) if n.as_f64().is_some_and(|p| p >= 0.0) => Some(n.clone()),
        Some(other) => {
            return Err(body::wrong_type(
                "course_work",
                "maxPoints",
                "TYPE_DOUBLE",
                other,
            ))
        }
    };
    let materials = read_materials(&body, &work_type)?;

    if state.course(course_id).is_none() {
        return Err(errors::not_found());
    }

    let mut rendered = Vec::new();
    for material in &materials {
        rendered.push(match material {
            Material::DriveFile { id, share_mode } => {
                let file = if ctx.config.mutant_is("classroom.drive-sharing-not-checked") {
                    state.drive_file(id)
                } else {
                    state.visible_drive_file(id)
                };
                let file = match file {
                    Some(file) => file,
                    None if ctx.config.mutant_is("classroom.attachment-lookup-500") => {
                        return Err(errors::internal())
                    }
                    None => return Err(errors::attachment_not_visible(id)),
                };
                json!({
                    "driveFile": {
                        "driveFile": {
                            "id": file.id,
                            "title": file.title,
                            "alternateLink": format!("https://drive.google.com/open?id={}", file.id),
                            "thumbnailUrl": format!("https://drive.google.com/thumbnail?id={}", file.id),
                        },
                        "shareMode": share_mode,
                    }
                })
            }
            Material::YouTube { id } => json!({
                "youtubeVideo": {
                    "id": id,
                    "alternateLink": format!("https://www.youtube.com/watch?v={id}"),
                }
            }),
            Material::Link { url } => json!({"link": {"url": url}}),
        });
    }

    let serial = state.next_serial();
    let id = (500_000_000_000u64 + serial * 6_211).to_string();
    let created = state::now();
    let mut work = Map::new();
    work.insert("courseId".into(), json!(course_id));
    work.insert("id".into(), json!(id));
    work.insert("title".into(), json!(title));
    if let Some(description) = description.filter(|d| !d.is_empty()) {
        work.insert("description".into(), json!(description));
    }
    if !rendered.is_empty() {
        work.insert("materials".into(), Value::Array(rendered));
    }
    work.insert("state".into(), json!(work_state));
    work.insert(
        "alternateLink".into(),
        json!(format!(
            "https://classroom.google.com/c/{course_id}/a/{id}/details"
        )),
    );
    work.insert("creationTime".into(), json!(created));
    work.insert("updateTime".into(), json!(created));
    if let Some(points) = max_points {
        work.insert("maxPoints".into(), Value::Number(points));
    }
    for echoed in ["dueDate", "dueTime"] {
        if let Some(Value::Object(value)) = body.get(echoed) {
            work.insert(echoed.into(), Value::Object(value.clone()));
        }
    }
    work.insert("workType".into(), json!(work_type));
    work.insert("assigneeMode".into(), json!(assignee_mode));
    work.insert(
        "submissionModificationMode".into(),
        json!("MODIFIABLE_UNTIL_TURNED_IN"),
    );
    let work = Value::Object(work);
    state
        .course_work
        .entry(course_id.to_string())
        .or_default()
        .push(work.clone());
    Ok(work)
}

/// The `materials` array, validated for shape only.
fn read_materials(body: &Map<String, Value>, work_type: &str) -> Result<Vec<Material>, ApiError> {
    let items = match body.get("materials") {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(items)) => items,
        Some(other) => {
            return Err(body::wrong_type(
                "course_work",
                "materials",
                "TYPE_MESSAGE",
                other,
            ))
        }
    };
    if items.len() > MATERIALS_MAX {
        return Err(errors::invalid_argument(format!(
            "Invalid value for field 'course_work.materials': at most {MATERIALS_MAX} materials \
             are allowed."
        )));
    }
    let mut materials = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let at = format!("course_work.materials[{i}]");
        let Value::Object(item) = item else {
            return Err(body::wrong_type(
                "course_work",
                &format!("materials[{i}]"),
                "TYPE_MESSAGE",
                item,
            ));
        };
        let kinds: Vec<&str> = ["driveFile", "youtubeVideo", "link", "form"]
            .into_iter()
            .filter(|k| item.get(*k).is_some_and(|v| !v.is_null()))
            .collect();
        let [kind] = kinds.as_slice() else {
            return Err(errors::invalid_argument(format!(
                "Invalid value for field '{at}': a material must hold exactly one of \
                 driveFile, youtubeVideo, link."
            )));
        };
        let material = match *kind {
            "driveFile" => {
                let shared = body::object_field(item, &at, "driveFile")?.cloned();
                let shared = shared.unwrap_or_default();
                let file = body::object_field(&shared, &format!("{at}.driveFile"), "driveFile")?;
                let id = match file {
                    Some(file) => body::string(file, &format!("{at}.driveFile.driveFile"), "id")?,
                    None => None,
                };
                let Some(id) = id.filter(|id| !id.is_empty()) else {
                    return Err(errors::invalid_argument(format!(
                        "Invalid value for field '{at}.driveFile.driveFile.id': the field is \
                         required."
                    )));
                };
                let share_mode = body::string(&shared, &format!("{at}.driveFile"), "shareMode")?
                    .unwrap_or_else(|| "VIEW".to_string());
                match share_mode.as_str() {
                    "VIEW" => {}
                    "EDIT" | "STUDENT_COPY" if work_type == "ASSIGNMENT" => {}
                    _ => {
                        return Err(errors::invalid_argument(format!(
                            "Invalid value for field '{at}.driveFile.shareMode': must be VIEW, \
                             or EDIT or STUDENT_COPY for an ASSIGNMENT."
                        )))
                    }
                }
                Material::DriveFile { id, share_mode }
            }
            "youtubeVideo" => {
                let video = body::object_field(item, &at, "youtubeVideo")?;
                let id = match video {
                    Some(video) => body::string(video, &format!("{at}.youtubeVideo"), "id")?,
                    None => None,
                };
                let Some(id) = id.filter(|id| !id.is_empty()) else {
                    return Err(errors::invalid_argument(format!(
                        "Invalid value for field '{at}.youtubeVideo.id': the field is required."
                    )));
                };
                Material::YouTube { id }
            }
            "link" => {
                let link = body::object_field(item, &at, "link")?;
                let url = match link {
                    Some(link) => body::string(link, &format!("{at}.link"), "url")?,
                    None => None,
                };
                let Some(url) = url.filter(|u| !u.is_empty()) else {
                    return Err(errors::invalid_argument(format!(
                        "Invalid value for field '{at}.link.url': the field is required."
                    )));
                };
                Material::Link { url }
            }
            _ => {
                return Err(errors::invalid_argument(format!(
                    "Invalid value for field '{at}.form': form materials are read-only and \
                     cannot be set."
                )))
            }
        };
        materials.push(material);
    }
    Ok(materials)
}
