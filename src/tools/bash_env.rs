//! The environment bash starts with: pi's own, less the credential-like variables unless the
//! user passes them on purpose (`--bash-env-allow`) or asks for everything
//! (`--bash-env-inherit all`). A command the model writes never sees a key pi holds.

use std::ffi::OsString;

use super::secrets::is_credential_name;
use super::{EnvInherit, EnvSettings};

/// The variables of `vars` that bash gets under `settings`.
pub(crate) fn bash_env(
    settings: &EnvSettings,
    vars: impl IntoIterator<Item = (OsString, OsString)>,
) -> Vec<(OsString, OsString)> {
    vars.into_iter()
        .filter(|(name, _)| passes(settings, name))
        .collect()
}

fn passes(settings: &EnvSettings, name: &OsString) -> bool {
    if settings.inherit == EnvInherit::All {
        return true;
    }
    // A name that is not UTF-8 cannot be checked against the patterns; leave it out.
    let Some(name) = name.to_str() else {
        return false;
    };
    !is_credential_name(name) || settings.allow.iter().any(|a| a == name)
}

#[cfg(test)]
mod tests {
    use std::os::unix::ffi::OsStringExt;

    use super::*;

    fn vars() -> Vec<(OsString, OsString)> {
        [
            ("PATH", "/usr/bin"),
            ("HOME", "/home/u"),
            ("OPENAI_API_KEY", "sk-1"),
            ("GITHUB_TOKEN", "ghp"),
            ("DB_PASSWORD", "pw"),
            ("CARGO_HOME", "/c"),
        ]
        .into_iter()
        .map(|(k, v)| (k.into(), v.into()))
        .collect()
    }

    fn names(settings: &EnvSettings, vars: Vec<(OsString, OsString)>) -> Vec<String> {
        bash_env(settings, vars)
            .into_iter()
            .map(|(k, _)| k.to_string_lossy().into_owned())
            .collect()
    }

    #[test]
    fn filtered_drops_credentials_unless_allowed() {
        let mut s = EnvSettings {
            inherit: EnvInherit::Filtered,
            allow: vec![],
        };
        assert_eq!(names(&s, vars()), ["PATH", "HOME", "CARGO_HOME"]);
        s.allow = vec!["GITHUB_TOKEN".into()];
        assert_eq!(
            names(&s, vars()),
            ["PATH", "HOME", "GITHUB_TOKEN", "CARGO_HOME"]
        );
        let odd = vec![(OsString::from_vec(vec![0xff, b'X']), OsString::from("v"))];
        assert!(bash_env(&s, odd).is_empty());
    }

    #[test]
    fn all_passes_everything() {
        let s = EnvSettings {
            inherit: EnvInherit::All,
            allow: vec![],
        };
        assert_eq!(names(&s, vars()).len(), 6);
    }
}
